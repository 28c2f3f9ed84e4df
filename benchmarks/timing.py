"""Timeit-style loops: the statement inlined in a compiled loop.

Each target's statement is compiled into a function whose parameters are the
names the statement uses, so every lookup is a local one, as in ``timeit``.
Awaited statements run inside one coroutine on one event loop: the loop is
started once, and only the iterations are timed. The garbage collector is off
while a loop runs.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import time
from collections.abc import Callable
from typing import Any

from .peers import Target

_TEMPLATE = """
{prefix}def inner(_number, _clock, _repeat, {params}):
    _iterations = _repeat(None, _number)
    _start = _clock()
    for _ in _iterations:
        {stmt}
    return _clock() - _start
"""

# The loop with nothing in it: its cost is subtracted from every result.
EMPTY = Target("pass", {})


class Loop:
    """A target compiled into a timing loop.

    Arguments:
        target: the statement and its names.
        event_loop: runs the loop of an awaited statement.
    """

    def __init__(self, target: Target, event_loop: asyncio.AbstractEventLoop) -> None:
        names = sorted(target.env)
        for name in names:
            if not name.isidentifier() or name.startswith("_"):
                raise ValueError(f"Target name {name!r} is not a public identifier; rename it.")
        source = _TEMPLATE.format(
            prefix="async " if target.awaited else "",
            params=", ".join(names),
            stmt=target.stmt,
        )
        namespace: dict[str, Any] = {}
        exec(compile(source, f"<benchmark {target.stmt}>", "exec"), namespace)
        self._inner: Callable[..., Any] = namespace["inner"]
        self._target = target
        self._event_loop = event_loop

    def run(self, number: int) -> int:
        """Run the statement ``number`` times; return the nanoseconds taken."""
        args = (number, time.perf_counter_ns, itertools.repeat)
        enabled = gc.isenabled()
        gc.disable()
        try:
            if self._target.awaited:
                elapsed = self._event_loop.run_until_complete(
                    self._inner(*args, **self._target.env)
                )
            else:
                elapsed = self._inner(*args, **self._target.env)
        finally:
            if enabled:
                gc.enable()
        return int(elapsed)

    def calibrate(self, min_ns: int) -> int:
        """Return how many iterations take at least ``min_ns`` (after a warm-up)."""
        self.run(1)
        number = 1
        while True:
            elapsed = self.run(number)
            if elapsed >= min_ns // 4:
                return max(1, round(number * min_ns / max(elapsed, 1)))
            number *= 10 if elapsed < min_ns // 100 else 2
