"""Which path a send takes: the fast one or the complete one.

A signal sends on the fast path while ``signal._fast`` is set (see
``fastdjango.core.signals._send``); every send on the complete path goes
through ``Signal._slow_plan``, which :class:`CompletePath` counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from fastdjango.core.signals import Signal


def is_specialised(signal: Signal) -> bool:
    """Does ``signal`` send on the fast path (until the next change)?"""
    return signal._fast is not None


class CompletePath:
    """How many sends of each signal entered the complete path."""

    def __init__(self) -> None:
        self.entries: dict[Signal, int] = {}

    def of(self, signal: Signal) -> int:
        return self.entries.get(signal, 0)


@contextmanager
def counting_complete_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[CompletePath]:
    """Count complete-path entries per signal while the block runs."""
    counts = CompletePath()
    original = Signal._slow_plan

    def counted(signal: Signal, sender: object, named: dict[str, Any], robust: bool) -> Any:
        counts.entries[signal] = counts.of(signal) + 1
        return original(signal, sender, named, robust)

    with monkeypatch.context() as patch:
        patch.setattr(Signal, "_slow_plan", counted)
        yield counts
