"""``fastdjango worker``: run durable receivers.

::

    python -m fastdjango worker --setup myapp.worker:setup [--concurrency N] [--import MODULE ...]

Imports the modules, enters the set-up, and runs deliveries until SIGTERM or
SIGINT, which drain: no new deliveries, running ones finish within
``--grace`` seconds, exit 0. Progress lines and failures are logged on
``fastdjango.durable`` (INFO and up, on stderr).
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from typing import Any

from ._setup import add_setup_options, run_in_setup

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``worker`` command."""
    parser = commands.add_parser(
        "worker",
        help="run durable receivers",
        description="Claim durable deliveries and run their receivers until SIGTERM / SIGINT.",
    )
    add_setup_options(parser)
    parser.add_argument(
        "--concurrency", type=int, default=16, metavar="N", help="deliveries at once (16)"
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long running deliveries may finish after SIGTERM (30)",
    )
    parser.add_argument(
        "--progress",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds between progress lines (10)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the worker; 0 after a drain, 2 for a bad set-up."""
    if args.concurrency < 1:
        print(f"--concurrency must be at least 1, got {args.concurrency}.", file=sys.stderr)
        return 2
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("fastdjango.durable")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    async def work() -> int:
        import asyncio

        from fastdjango.durable._worker import Worker

        worker = Worker(
            concurrency=args.concurrency, grace=args.grace, progress_every=args.progress
        )
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, worker.stop)
        # What the imports and the set-up made lives as long as the process: kept
        # out of the collector, full collections no longer scan it and pause
        # every delivery for tens of milliseconds.
        gc.freeze()
        await worker.run()
        return 0

    try:
        return run_in_setup(args, work)
    finally:
        log.removeHandler(handler)
