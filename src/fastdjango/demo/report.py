"""The demo's report: readable lines for steps, signals, effects and the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .journal import Effect, Journal, Sent
from .scenario import StepResult

__all__ = ["entry_line", "report"]


def entry_line(entry: Sent | Effect) -> str:
    """One entry: a send with its sender and arguments, or a receiver's effect."""
    if isinstance(entry, Effect):
        return f"      -> {entry.receiver}: {entry.text}"
    return f"  {entry.signal:<18} {entry.text}"


def _table(rows: list[dict[str, Any]]) -> Iterable[str]:
    columns = ("id", "model", "object_id", "action", "changes")
    cells = [[str(row[c]) if row[c] is not None else "-" for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    for line in (list(columns), *cells):
        padded = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        yield ("  " + "  ".join(padded)).rstrip()


def report(
    results: list[StepResult], audit: list[dict[str, Any]], journal: Journal, header: str
) -> list[str]:
    """The whole report, as lines."""
    lines = [
        header,
        "Each step: the HTTP call, then every signal sent (sender and arguments) and, after",
        "'->', what a receiver did. Sends by AuditLog rows themselves are left out.",
        "",
    ]
    for number, result in enumerate(results, 1):
        step = result.step
        lines.append(
            f"{number}. {step.title}: {step.method} {step.path} -> {result.status} {result.body}"
        )
        lines.extend(entry_line(entry) for entry in result.entries)
        lines.append("")
    lines.append(f"Audit log (GET /audit), {len(audit)} rows:")
    lines.extend(_table(audit) if audit else ["  (empty)"])
    lines.append("")
    lines.append(f"Outbox, {len(journal.outbox)} mails:")
    lines.extend(f"  to {', '.join(m.to)}: {m.subject!r}" for m in journal.outbox)
    lines.append(f"Warehouse, {len(journal.shipments)} shipments:")
    lines.extend(f"  {shipment}" for shipment in journal.shipments)
    seen = sorted({e.signal for r in results for e in r.entries if isinstance(e, Sent)})
    lines.extend(["", f"Signals seen: {', '.join(seen)}."])
    return lines
