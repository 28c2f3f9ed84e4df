"""The relay: publish outbox rows their sender left behind.

With a relaying transport (``outbox_role == "relay"``) the sender publishes
each event right after its commit and deletes its rows. A sender that died
in between leaves them: every worker's relay publishes rows older than the
relay delay, then deletes them. Two relays racing for one row (SQLite has no
row locks) publish it twice, which the transport's publish absorbs (it is
idempotent per event id).
"""

from __future__ import annotations

import time
from typing import Final

from . import _sql
from ._database import lease_of_row
from ._event import Event
from ._outbox import Outbox
from ._transport import Transport

__all__ = ["relay_once"]

#: Rows relayed per round at most.
_BATCH: Final = 500


async def relay_once(outbox: Outbox, transport: Transport, delay: float) -> int:
    """Publish one batch of rows left unpublished longer than ``delay``; how many events."""
    now = time.time()
    rows = await outbox.execute(_sql.relay(outbox.dialect), [now + delay, now, _BATCH])
    if not rows:
        return 0
    events: dict[str, Event] = {}
    for row in sorted(rows, key=lambda row: int(str(row[0]))):
        lease = lease_of_row(row)
        known = events.get(lease.event.id)
        if known is None:
            events[lease.event.id] = lease.event
        else:
            events[known.id] = Event(
                id=known.id,
                signal=known.signal,
                sender=known.sender,
                payload=known.payload,
                receivers=(*known.receivers, lease.receiver),
                enqueued_at=known.enqueued_at,
                headers=known.headers,
                keys={**known.keys, **lease.event.keys},
            )
    await transport.publish(list(events.values()))
    for event_id in events:
        await outbox.execute(_sql.delete_event(outbox.dialect), [event_id])
    return len(events)
