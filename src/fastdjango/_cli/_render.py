"""The two outputs of ``fastdjango signals``: a table for people, JSON for tools."""

from __future__ import annotations

import os
from typing import Any

from ._collect import ReceiverInfo, SignalInfo

__all__ = ["JSON_VERSION", "render_table", "to_json"]

#: Bumped only when a key changes meaning or disappears (adding keys is fine).
JSON_VERSION = 1

_COLUMNS = (
    "#",
    "receiver",
    "defined at",
    "sender",
    "ref",
    "dispatch_uid",
    "priority",
    "mode",
    "on_commit",
    "status",
)


def to_json(signals: list[SignalInfo]) -> dict[str, Any]:
    """The documented JSON structure (see :mod:`fastdjango._cli.signals`)."""
    return {
        "version": JSON_VERSION,
        "signals": [
            {
                "name": info.name,
                "module": info.module,
                "bound_to": list(info.bound_to),
                "builtin": info.builtin,
                "providing_args": list(info.providing_args),
                "concurrent": info.concurrent,
                "repr": info.repr,
                "receivers": [_receiver_json(r) for r in info.receivers],
            }
            for info in signals
        ],
    }


def _receiver_json(info: ReceiverInfo) -> dict[str, Any]:
    return {
        "receiver": info.receiver,
        "kind": info.kind,
        "file": info.file,
        "line": info.line,
        "sender": info.sender,
        "sender_target": info.sender_target,
        "weak": info.weak,
        "dispatch_uid": info.dispatch_uid,
        "priority": info.priority,
        "async": info.is_async,
        "on_commit": info.on_commit,
        "durable": info.durable,
        "alive": info.collected is None,
        "collected": info.collected,
    }


def render_table(signals: list[SignalInfo]) -> str:
    """Each signal with its arguments, then its receivers in call order."""
    lines: list[str] = []
    for info in signals:
        lines.extend(_signal_block(info))
        lines.append("")
    receivers = [r for info in signals for r in info.receivers]
    dead = sum(r.collected is not None for r in receivers)
    lines.append(
        f"{_count(len(signals), 'signal')}, {_count(len(receivers), 'receiver')}, {dead} dead."
    )
    if dead:
        lines.append(
            "DEAD: a weakly connected receiver (or its sender) was garbage-collected, "
            "so it is never called. Keep a reference to it, or connect it with weak=False."
        )
    return "\n".join(lines) + "\n"


def _signal_block(info: SignalInfo) -> list[str]:
    title = info.name or info.repr
    if info.builtin:
        title += "  [built-in]"
    if info.bound_to:
        title += f"  {info.bound_to[0]}"
    args = ", ".join(info.providing_args) or "(not declared)"
    head = [title, f"  providing_args: {args}"]
    if not info.receivers:
        return [*head, "  no receivers"]
    rows = [_COLUMNS] + [_row(n, r) for n, r in enumerate(info.receivers, 1)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return head + [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _row(number: int, info: ReceiverInfo) -> tuple[str, ...]:
    receiver = info.receiver
    if info.kind not in (None, "function"):
        receiver += f" ({info.kind})"
    if info.durable is not None:
        receiver += f" [durable: {info.durable}]"
    sender = info.sender or "any"
    if info.sender_target:
        sender += f" -> {info.sender_target}"
    return (
        str(number),
        receiver,
        _where(info.file, info.line),
        sender,
        "weak" if info.weak else "strong",
        "-" if info.dispatch_uid is None else info.dispatch_uid,
        str(info.priority),
        "async" if info.is_async else "sync",
        "yes" if info.on_commit else "no",
        "live" if info.collected is None else f"DEAD ({info.collected} collected)",
    )


def _where(file: str | None, line: int | None) -> str:
    if file is None:
        return "?"
    try:
        relative = os.path.relpath(file)
    except ValueError:  # another drive on Windows
        relative = file
    shown = file if relative.startswith(os.pardir) else relative
    return f"{shown}:{line}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
