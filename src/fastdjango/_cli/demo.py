"""``fastdjango demo``: the whole system working, in one command.

::

    python -m fastdjango demo                      # scripted scenario, then a report
    python -m fastdjango demo --serve [--port N]   # keep it running for a person
    DATABASE_URL=postgres://user:pw@127.0.0.1/db python -m fastdjango demo

Serves the demo app (:mod:`fastdjango.demo`) with uvicorn on 127.0.0.1,
drives its scripted scenario through real HTTP calls and prints, step by
step, every signal sent (sender and arguments), what each receiver did, and
the resulting audit log. Exit status: 0, or 1 with the reason on stderr
(a missing dependency, an unreachable database, a step that went wrong).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Any

__all__ = ["add_parser", "run"]

INSTALL_HINT = "pip install 'fastdjango[demo]'"


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``demo`` command."""
    parser = commands.add_parser(
        "demo",
        help="run the demo app and show every signal firing",
        description=(
            "Start a FastAPI + Tortoise ORM app on 127.0.0.1, drive a scripted scenario "
            "through real HTTP calls (sign up, log in, order, tag a post, delete it, fail "
            "a login, log out) and print what each signal delivered and the audit log. "
            "SQLite in a temporary file unless DATABASE_URL or --database-url is set."
        ),
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="a Tortoise database URL, e.g. postgres://user:password@127.0.0.1:5432/db "
        "(default: $DATABASE_URL, else a temporary SQLite file)",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="keep the app running (until Ctrl-C) and print each signal as it is sent",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="the port for --serve (default: a free one)"
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="print the OpenTelemetry spans of each request and signal, as trees",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the scenario (or serve, with ``--serve``); return the exit status."""
    try:
        from fastdjango.demo import DemoError, run_demo, serve_demo
    except ImportError as exc:
        missing = exc.name or "a dependency"
        print(
            f"fastdjango demo: error: {missing} is not installed ({exc}). "
            f"The demo needs the demo extra: {INSTALL_HINT}",
            file=sys.stderr,
        )
        return 1
    url = args.database_url or os.environ.get("DATABASE_URL") or None
    try:
        with _tracing(args.trace):
            if args.serve:
                asyncio.run(serve_demo(url, args.port, lambda line: print(line, flush=True)))
            else:
                print(*asyncio.run(run_demo(url)).lines, sep="\n")
    except DemoError as exc:
        print(f"fastdjango demo: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signal
        return 0 if args.serve else 130
    return 0


def _tracing(on: bool) -> AbstractContextManager[object]:
    """``--trace``: spans printed as trees while the demo runs (demo extra)."""
    if not on:
        return nullcontext()
    from fastdjango.demo.tracing import console_tracing

    return console_tracing(lambda line: print(line, flush=True))
