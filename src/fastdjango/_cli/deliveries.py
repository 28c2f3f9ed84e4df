"""``fastdjango deliveries``: list pending or dead-lettered durable deliveries.

::

    python -m fastdjango deliveries --setup myapp.worker:setup [--dead] [--json]

``--json`` prints ``{"version": 1, "dead": bool, "deliveries": [{"event_id",
"signal", "receiver", "attempts", "dead", "last_error", "enqueued_at"}]}``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._setup import add_setup_options, run_in_setup

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``deliveries`` command."""
    parser = commands.add_parser(
        "deliveries",
        help="list pending or dead-lettered durable deliveries",
        description="List durable deliveries not done yet: pending ones, or with --dead "
        "the dead-lettered ones (event, receiver, attempts, last error).",
    )
    add_setup_options(parser)
    parser.add_argument("--dead", action="store_true", help="the dead-lettered ones")
    parser.add_argument("--json", action="store_true", help="print JSON for tools")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the deliveries; 0, or 2 for a bad set-up."""

    async def work() -> int:
        from fastdjango.durable._config import current_settings

        transport = current_settings().transport
        await transport.open()
        try:
            records = await transport.deliveries(dead=args.dead)
        finally:
            await transport.close()
        if args.json:
            document = {
                "version": 1,
                "dead": args.dead,
                "deliveries": [record.as_json() for record in records],
            }
            print(json.dumps(document, indent=2))
            return 0
        kind = "dead-lettered" if args.dead else "pending"
        if not records:
            print(f"No {kind} deliveries.")
            return 0
        print(f"{len(records)} {kind} deliveries:")
        for record in records:
            error = f"  last error: {record.last_error}" if record.last_error else ""
            print(
                f"  {record.event_id}  {record.signal}  {record.receiver}  "
                f"attempts {record.attempts}  sent {record.enqueued_at.isoformat()}{error}"
            )
        return 0

    return run_in_setup(args, work)
