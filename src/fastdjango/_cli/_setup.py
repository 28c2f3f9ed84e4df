"""``--setup MODULE:FUNC`` and ``--import``: reaching the user's durable set-up.

``FUNC`` is called with no arguments and returns an async context manager
that prepares what the receivers need (ORM init, ``configure(...)``); the
command runs inside it. The ``worker``, ``deliveries`` and ``replay``
commands share these options.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from ._imports import import_modules

__all__ = ["add_setup_options", "run_in_setup"]

T = TypeVar("T")


def add_setup_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--setup MODULE:FUNC`` (required) and ``--import MODULE`` (repeatable)."""
    parser.add_argument(
        "--setup",
        required=True,
        metavar="MODULE:FUNC",
        help="a function returning an async context manager that initialises the ORM and "
        "calls fastdjango.durable.configure(...)",
    )
    parser.add_argument(
        "--import",
        dest="modules",
        metavar="MODULE",
        action="extend",
        nargs="+",
        default=[],
        help="import this module first (one that connects durable receivers); repeatable",
    )


def _load(spec: str) -> Callable[[], object] | str:
    module_name, colon, name = spec.partition(":")
    if not colon or not module_name or not name:
        return f"--setup takes MODULE:FUNC (for example myapp.worker:setup), got {spec!r}."
    failure = import_modules([module_name])
    if failure is not None:
        return failure
    target: Any = importlib.import_module(module_name)
    for part in name.split("."):
        target = getattr(target, part, None)
    if not callable(target):
        return f"--setup {spec!r}: {module_name} has no function {name!r}."
    return target  # type: ignore[no-any-return]


def run_in_setup(args: argparse.Namespace, work: Callable[[], Awaitable[T]]) -> T | int:
    """Import ``--import`` modules, enter ``--setup`` and run ``work()`` in it.

    Returns what ``work`` returned, or 2 after printing why the set-up failed.
    """
    failure = import_modules(args.modules)
    setup = _load(args.setup) if failure is None else failure
    if isinstance(setup, str):
        print(setup, file=sys.stderr)
        return 2

    async def main() -> T | int:
        manager = setup()
        if not isinstance(manager, AbstractAsyncContextManager):
            print(
                f"--setup {args.setup}: {args.setup}() returned {manager!r}, not an async "
                f"context manager; decorate it with @contextlib.asynccontextmanager.",
                file=sys.stderr,
            )
            return 2
        async with manager:
            return await work()

    return asyncio.run(main())
