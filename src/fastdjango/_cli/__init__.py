"""The ``fastdjango`` command line: ``python -m fastdjango COMMAND ...``.

Each command is one module of this package exposing ``add_parser(commands)``,
which registers an argparse subparser and sets ``run`` (a function taking the
parsed arguments and returning the exit status) as its default.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from . import deliveries, demo, replay, signals, worker

__all__ = ["main"]

#: The commands, in the order ``--help`` lists them.
COMMANDS = (signals, demo, worker, deliveries, replay)


def build_parser() -> argparse.ArgumentParser:
    """The parser for ``fastdjango`` and all its commands."""
    parser = argparse.ArgumentParser(
        prog="fastdjango",
        description="Tools for fastdjango signals.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status: 0 on success, 2 for a usage error or a module
    that could not be imported.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already explained on stderr
        return exc.code if isinstance(exc.code, int) else 2
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        status = run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``fastdjango signals | head``): stop quietly,
        # and keep Python from failing again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status
