"""``fastdjango replay``: queue dead-lettered durable deliveries again.

::

    python -m fastdjango replay --setup myapp.worker:setup EVENT_ID [--receiver NAME]
    python -m fastdjango replay --setup myapp.worker:setup --all-dead

Replayed deliveries start again from attempt 1. Exit status 0 when something
was replayed, 1 when nothing matched, 2 for a usage or set-up error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._setup import add_setup_options, run_in_setup

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``replay`` command."""
    parser = commands.add_parser(
        "replay",
        help="queue dead-lettered durable deliveries again",
        description="Queue an event's dead-lettered deliveries (or every one with "
        "--all-dead) again, from attempt 1.",
    )
    add_setup_options(parser)
    parser.add_argument("event_id", nargs="?", metavar="EVENT_ID", help="the event to replay")
    parser.add_argument("--receiver", metavar="NAME", help="only this receiver's delivery")
    parser.add_argument("--all-dead", action="store_true", help="every dead-lettered delivery")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Replay; print how many deliveries were queued again."""
    if args.all_dead == (args.event_id is not None) or (args.all_dead and args.receiver):
        print(
            "replay takes an EVENT_ID (optionally with --receiver NAME) or --all-dead.",
            file=sys.stderr,
        )
        return 2

    async def work() -> int:
        from fastdjango.durable._config import current_settings

        transport = current_settings().transport
        await transport.open()
        try:
            if args.all_dead:
                count = await transport.replay_dead()
            else:
                count = await transport.replay(args.event_id, args.receiver)
        finally:
            await transport.close()
        print(f"Replayed {count} deliveries.")
        return 0 if count else 1

    return run_in_setup(args, work)
