"""What the model signals cost a Tortoise save, delete, load and m2m change.

Two worker processes (``benchmarks.orm_worker``) run the same operations on
the same models, SQLite in memory: one plain Tortoise ORM that never imports
fastdjango, one after ``install()``, without and with one receiver (async
``post_save`` for create / save, ``post_delete`` for delete, ``m2m_changed``
for m2m, a sync ``post_init`` for load). Rounds are interleaved (plain,
fastdjango, fastdjango, plain, ...) and each worker reports the CPU time
(``process_time``) of its own iterations, so a busy machine slows both sides
of a round alike. The table shows the median per-operation time and the
median of the per-round ratios against plain Tortoise, next to the target.

Run it with ``python -m benchmarks.orm_tortoise [--rounds 15] [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    """One line of the table: an operation, with or without a receiver."""

    operation: str
    receiver: bool
    target: float | None
    iterations: int

    @property
    def label(self) -> str:
        return f"{self.operation} + 1 receiver" if self.receiver else self.operation


ROWS: tuple[Row, ...] = (
    Row("create", False, 1.10, 400),
    Row("save", False, 1.10, 400),
    Row("delete", False, 1.10, 400),
    Row("load", False, 1.03, 200),
    Row("m2m", False, 1.10, 200),
    Row("create", True, 1.20, 400),
    Row("save", True, 1.20, 400),
    Row("delete", True, 1.20, 400),
    Row("load", True, None, 200),
    Row("m2m", True, None, 200),
)


class Worker:
    """A worker process answering one command per line."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.orm_worker", kind],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("ready")

    def _expect(self, word: str) -> None:
        answer = self._read()
        if answer != word:
            raise RuntimeError(f"The {self.kind} worker said {answer!r} instead of {word!r}.")

    def _read(self) -> str:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"The {self.kind} worker exited (status {self._process.wait()}).")
        return line.strip()

    def time(self, row: Row, *, receiver: bool) -> float | None:
        """Nanoseconds of CPU per operation, or None if the worker cannot do it."""
        assert self._process.stdin is not None
        self._process.stdin.write(f"{row.operation} {row.iterations} {int(receiver)}\n")
        self._process.stdin.flush()
        answer = self._read()
        return None if answer == "missing" else int(answer) / row.iterations

    def stop(self) -> None:
        """Close its stdin, wait for it to exit (kill it after 10 s), close its stdout."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        finally:
            assert self._process.stdout is not None
            self._process.stdout.close()


@contextmanager
def workers() -> Iterator[tuple[Worker, Worker]]:
    """A plain and a fastdjango worker, stopped on exit."""
    with ExitStack() as stack:
        plain = Worker("plain")
        stack.callback(plain.stop)
        ours = Worker("fastdjango")
        stack.callback(ours.stop)
        yield plain, ours


@dataclass
class Measured:
    """What the rounds measured for one row."""

    plain: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    missing: bool = False

    @property
    def ratio(self) -> float | None:
        if self.missing or not self.ours:
            return None
        return statistics.median(o / p for o, p in zip(self.ours, self.plain, strict=True))


def measure(rows: Sequence[Row], rounds: int, scale: float = 1.0) -> dict[Row, Measured]:
    """Interleaved rounds over every row; the median is taken by the caller."""
    found = {row: Measured() for row in rows}
    with workers() as (plain, ours):
        for row in rows:  # a warm-up round, not recorded
            sized = Row(row.operation, row.receiver, row.target, max(1, int(20 * scale)))
            plain.time(sized, receiver=False)
            ours.time(sized, receiver=row.receiver)
        for number in range(rounds):
            for row in rows:
                sized = Row(
                    row.operation, row.receiver, row.target, max(1, int(row.iterations * scale))
                )
                first, second = (plain, ours) if number % 2 == 0 else (ours, plain)
                times = {
                    worker.kind: worker.time(sized, receiver=row.receiver and worker is ours)
                    for worker in (first, second)
                }
                mine = times["fastdjango"]
                if mine is None:
                    found[row].missing = True
                    continue
                base = times["plain"]
                assert base is not None
                found[row].plain.append(base)
                found[row].ours.append(mine)
    return found


def render(found: dict[Row, Measured], rounds: int) -> str:
    """The table, with the targets and whether each was met."""
    lines = [
        f"Tortoise ORM with fastdjango's install() vs plain Tortoise: SQLite in memory, "
        f"CPU time (process_time), medians of {rounds} interleaved rounds",
        f"{'operation':<22}{'plain µs':>10}{'ours µs':>10}{'ratio':>8}  target",
    ]
    for row, measured in found.items():
        ratio = measured.ratio
        if ratio is None:
            lines.append(f"{row.label:<22}{'':>10}{'':>10}{'':>8}  not measured (no such signal)")
            continue
        plain = statistics.median(measured.plain) / 1000
        ours = statistics.median(measured.ours) / 1000
        if row.target is None:
            verdict = "(no target)"
        else:
            verdict = f"<= {row.target:.2f}x {'met' if ratio <= row.target else 'MISSED'}"
        lines.append(f"{row.label:<22}{plain:>10.1f}{ours:>10.1f}{ratio:>7.2f}x  {verdict}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.orm_tortoise", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--quick", action="store_true", help="2 tiny rounds: checks the harness")
    parser.add_argument("--only", help="comma-separated operations (create,save,delete,load,m2m)")
    options = parser.parse_args(argv)
    if options.rounds < 1:
        raise SystemExit(f"--rounds must be at least 1, got {options.rounds}.")
    rows = list(ROWS)
    if options.only:
        wanted = {name.strip() for name in options.only.split(",")}
        rows = [row for row in rows if row.operation in wanted]
        if not rows:
            raise SystemExit(f"--only names no operation: {options.only!r}.")
    rounds, scale = (2, 0.05) if options.quick else (options.rounds, 1.0)
    print(render(measure(rows, rounds, scale), rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
