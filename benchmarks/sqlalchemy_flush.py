"""What ``fastdjango.contrib.sqlalchemy.install()`` costs with no receiver connected.

Child processes build the same models on an in-memory SQLite database and
run the same operations:

* ``flush``: the inserts, then the updates, of a batch of objects, in a
  session transaction rolled back after them;
* ``load``: a query of ``LOADED`` rows in a new session (every row is
  built, which is where ``post_init`` would be sent);
* ``construct``: ``Post(...)`` in code (where ``pre_init`` / ``post_init``
  would be sent).

The *plain* child never imports fastdjango; the *installed* child calls
``install(Base)`` and connects nothing. Each figure is installed / plain;
the target is at most 1.10 for each.

By default each round starts the two children one after the other in
alternating order (plain, installed, installed, plain, ...), which time the
operations in CPU time (``time.process_time``); the figures are the ratios
of the medians. ``--instructions`` counts CPU instructions under callgrind
instead (``benchmarks.instructions``): each child runs an operation a short
and a long number of times, and the difference per operation cancels the
start-up and set-up out. The count repeats from run to run, whatever the
machine's load. Run it with ``python -m benchmarks.sqlalchemy_flush
[--rounds 7] [--flushes 300] [--instructions]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from sqlalchemy import ForeignKey, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

TARGET = 1.10
BATCH = 10
#: Rows per load.
LOADED = 100
#: What is measured, and what its figure is per.
FIGURES = {"flush": "flush", "load": f"load of {LOADED} rows", "construct": "Post(...)"}
#: Operations per child in ``--instructions`` mode: (short, long) runs.
COUNTS = {"flush": (10, 40), "load": (10, 40), "construct": (500, 3_000)}
_MODULE = "benchmarks.sqlalchemy_flush"


def _operations(installed: bool) -> dict[str, Callable[[int], None]]:
    """The set-up, then each operation as a function of a running number."""

    class Base(DeclarativeBase):
        pass

    class Author(Base):
        __tablename__ = "author"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(100))

    class Post(Base):
        __tablename__ = "post"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(200))
        body: Mapped[str] = mapped_column(String(2000))
        author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))

    if installed:
        from fastdjango.contrib.sqlalchemy import install

        install(Base)
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    writer = Session(engine, expire_on_commit=False)
    author = Author(name="ada")
    writer.add(author)
    writer.add_all(Post(title=str(i), body="", author_id=1) for i in range(LOADED))
    writer.commit()
    author_id = author.id

    def flush(number: int) -> None:  # two flushes, in a transaction of their own
        posts = [
            Post(title=f"{number}-{i}", body="text", author_id=author_id) for i in range(BATCH)
        ]
        writer.add_all(posts)
        writer.flush()  # INSERTs
        for post in posts:
            post.title += "!"
        writer.flush()  # UPDATEs
        writer.rollback()

    def load(_number: int) -> None:
        with Session(engine) as reader:
            rows = reader.scalars(select(Post).limit(LOADED)).all()
            assert len(rows) == LOADED

    def construct(number: int) -> None:
        Post(title="t", body="b", author_id=number)

    return {"flush": flush, "load": load, "construct": construct}


#: Per operation: how many calls a figure is per (a flush round is two flushes).
_PER_CALL = {"flush": 2, "load": 1, "construct": 1}


def _timed(installed: bool, flushes: int) -> dict[str, float]:
    """Seconds of CPU per flush, per load and per construction, in this process."""
    operations = _operations(installed)
    calls = {"flush": flushes // 2, "load": max(flushes // 4, 1), "construct": flushes * BATCH}
    seconds: dict[str, float] = {}
    for name, operation in operations.items():
        for number in range(10):  # warm-up: caches, compiled statements
            operation(number)
        started = time.process_time()
        for number in range(calls[name]):
            operation(number)
        elapsed = time.process_time() - started
        seconds[name] = elapsed / (calls[name] * _PER_CALL[name])
    return seconds


def _counted(installed: bool, name: str, number: int) -> None:
    """Run one operation ``number`` times after a warm-up (counted from outside)."""
    operation = _operations(installed)[name]
    for warm in range(10):
        operation(warm)
    for call in range(number):
        operation(call)


def _run_child(installed: bool, flushes: int) -> dict[str, float]:
    command = [sys.executable, "-m", _MODULE, "--child", str(flushes)]
    if installed:
        command.append("--installed")
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    seconds: dict[str, float] = json.loads(result.stdout)["seconds"]
    return seconds


def _ratios(plain: dict[str, float], installed: dict[str, float]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "plain": plain[name],
            "installed": installed[name],
            "ratio": installed[name] / plain[name],
        }
        for name in FIGURES
    }


def measure(rounds: int, flushes: int) -> dict[str, dict[str, float]]:
    """Interleaved rounds in CPU time; per figure, the medians (us) and their ratio."""
    plain: list[dict[str, float]] = []
    installed: list[dict[str, float]] = []
    for number in range(rounds):
        order = (False, True) if number % 2 == 0 else (True, False)
        for with_install in order:
            (installed if with_install else plain).append(_run_child(with_install, flushes))
    medians = [
        {name: statistics.median(run[name] for run in runs) * 1e6 for name in FIGURES}
        for runs in (plain, installed)
    ]
    return _ratios(*medians)


def measure_instructions() -> dict[str, dict[str, float]]:
    """Per figure, instructions per operation, plain and installed, and their ratio."""
    from .instructions import count_instructions

    counts: list[dict[str, float]] = [{}, {}]
    for name, (short, long) in COUNTS.items():
        for installed in (False, True):
            totals = []
            for number in (short, long):
                arguments = ["-m", _MODULE, "--count", name, str(number)]
                arguments += ["--installed"] if installed else []
                totals.append(count_instructions(arguments, f"{name} (installed={installed})"))
            per = (totals[1] - totals[0]) / ((long - short) * _PER_CALL[name])
            counts[installed][name] = per
    return _ratios(*counts)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures; the exit status is 0 whatever they are (a report, not a test)."""
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--flushes", type=int, default=300)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--installed", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child is not None:
        print(json.dumps({"seconds": _timed(options.installed, options.child)}))
        return 0
    if options.count is not None:
        _counted(options.installed, options.count[0], int(options.count[1]))
        return 0
    if options.rounds < 1 or options.flushes < 2:
        raise SystemExit("--rounds must be at least 1 and --flushes at least 2.")
    if options.instructions:
        figures, unit = measure_instructions(), "instructions"
        how = "CPU instructions under callgrind"
    else:
        figures, unit = measure(options.rounds, options.flushes), "us"
        how = f"CPU time, median of {options.rounds} interleaved rounds"
    print(
        f"SQLAlchemy flush, load and construction, no receiver connected ({how}, "
        f"{BATCH} objects per flush):"
    )
    for name, per in FIGURES.items():
        figure = figures[name]
        verdict = "meets" if figure["ratio"] <= TARGET else "misses"
        print(
            f"  {name:<9} plain {figure['plain']:,.2f} {unit}   with install() "
            f"{figure['installed']:,.2f} {unit} per {per}   ratio {figure['ratio']:.3f} "
            f"({verdict} the {TARGET:.2f}x target)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
