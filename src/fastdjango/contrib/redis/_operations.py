"""The operations side: listing pending and dead deliveries, replaying them."""

from __future__ import annotations

import json
from typing import Any

from fastdjango.durable._event import DeliveryRecord

from ._keys import registry_entry
from ._records import decode, delivery_record, event_id_of, wrapped
from ._streams import Entry, Reader, Streams, text

# How many entries one listing reads per stream / set.
PAGE = 1000


async def _readers(streams: Streams) -> list[Reader]:
    registry = await streams.registry()
    return [
        Reader(*registry_entry(field), ordered=kind == "ordered")
        for field, kind in sorted(registry.items())
    ]


async def deliveries(streams: Streams, *, dead: bool) -> list[DeliveryRecord]:
    """Dead-lettered deliveries, or the pending ones (in hand or waiting to retry)."""
    redis: Any = streams.redis
    keys = streams.keys
    records: list[DeliveryRecord] = []
    for reader in await _readers(streams):
        signal, receiver = reader.signal, reader.receiver
        if dead:
            for _, fields in await redis.xrange(keys.dead(signal, receiver), count=PAGE):
                records.append(delivery_record(fields[b"e"], signal, receiver, dead=True))
            continue
        for value in await redis.zrange(keys.delayed(signal, receiver), 0, PAGE - 1):
            records.append(delivery_record(value, signal, receiver, dead=False))
        candidates = streams.streams_of(reader)
        if reader.ordered:
            candidates += streams.shard_streams(reader)
        for stream in candidates:
            if not await redis.exists(stream):
                continue
            try:
                pending = await redis.xpending_range(stream, receiver, "-", "+", PAGE)
            except Exception as exc:
                if "NOGROUP" in str(exc):
                    continue
                raise
            for item in pending:
                found = await redis.xrange(stream, item["message_id"], item["message_id"])
                if not found:
                    continue
                value = found[0][1][b"e"]
                entry = Entry(stream, text(item["message_id"]), signal, receiver, value, 1)
                event, _, _ = decode(entry)
                if stream == keys.signal(signal) and (
                    receiver not in event.receivers or receiver in event.keys
                ):
                    continue
                records.append(
                    delivery_record(
                        value, signal, receiver, dead=False, deliveries=item["times_delivered"]
                    )
                )
    return records


async def replay(streams: Streams, event_id: str | None, receiver: str | None) -> int:
    """Move dead letters (of ``event_id`` / ``receiver``, or all) back, from attempt 1."""
    redis: Any = streams.redis
    keys = streams.keys
    replayed = 0
    for reader in await _readers(streams):
        if receiver is not None and reader.receiver != receiver:
            continue
        dead = keys.dead(reader.signal, reader.receiver)
        retry = keys.retry(reader.signal, reader.receiver)
        await streams.ensure_groups([(retry, reader.receiver)])
        for entry_id, fields in await redis.xrange(dead, count=PAGE * 100):
            value = fields[b"e"]
            if event_id is not None and event_id_of(value) != event_id:
                continue
            record = json.loads(value)
            if "raw" in record:
                continue  # not an event: nothing a receiver could run
            entry = Entry(dead, text(entry_id), reader.signal, reader.receiver, value)
            event, _, _ = decode(entry)
            pipe = redis.pipeline(transaction=True)
            pipe.xadd(retry, {"e": json.dumps(wrapped(event, 1, None)).encode()})
            pipe.xdel(dead, entry_id)
            await pipe.execute()
            replayed += 1
    if replayed:
        await redis.publish(keys.wake, b"")
    return replayed
