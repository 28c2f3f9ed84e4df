"""What ``fastdjango.contrib.sqlalchemy.install()`` costs a flush with no receiver.

Each round starts two child processes, one after the other in alternating
order (plain, installed, installed, plain, ...): both build the same models
on an in-memory SQLite database and time the same flushes (inserts, then
updates, of a batch of objects) in CPU time (``time.process_time``). The
*plain* child never imports fastdjango; the *installed* child calls
``install(Base)`` and connects nothing. The figure is the ratio of the
medians; the target is at most 1.10. Run it with
``python -m benchmarks.sqlalchemy_flush [--rounds 7] [--flushes 300]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from sqlalchemy import ForeignKey, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

TARGET = 1.10
BATCH = 10


def _child(installed: bool, flushes: int) -> float:
    """Seconds of CPU per flush, in this process."""

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
    with Session(engine, expire_on_commit=False) as session:
        author = Author(name="ada")
        session.add(author)
        session.flush()

        def one_round(number: int) -> None:
            posts = [
                Post(title=f"{number}-{i}", body="text", author_id=author.id) for i in range(BATCH)
            ]
            session.add_all(posts)
            session.flush()  # INSERTs
            for post in posts:
                post.title += "!"
            session.flush()  # UPDATEs

        for number in range(20):  # warm-up: caches, compiled statements
            one_round(number)
        started = time.process_time()
        for number in range(flushes // 2):
            one_round(number)
        elapsed = time.process_time() - started
        session.rollback()
    return elapsed / (2 * (flushes // 2))


def _run_child(installed: bool, flushes: int) -> float:
    command = [sys.executable, "-m", "benchmarks.sqlalchemy_flush", "--child", str(flushes)]
    if installed:
        command.append("--installed")
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    return float(json.loads(result.stdout)["seconds_per_flush"])


def measure(rounds: int, flushes: int) -> dict[str, float]:
    """Interleaved rounds; the medians and their ratio."""
    plain: list[float] = []
    installed: list[float] = []
    for number in range(rounds):
        order = (False, True) if number % 2 == 0 else (True, False)
        for with_install in order:
            (installed if with_install else plain).append(_run_child(with_install, flushes))
    plain_median = statistics.median(plain)
    installed_median = statistics.median(installed)
    return {
        "plain_us": plain_median * 1e6,
        "installed_us": installed_median * 1e6,
        "ratio": installed_median / plain_median,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figure; the exit status is 0 whatever it is (a report, not a test)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sqlalchemy_flush")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--flushes", type=int, default=300)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--installed", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child is not None:
        print(json.dumps({"seconds_per_flush": _child(options.installed, options.child)}))
        return 0
    if options.rounds < 1 or options.flushes < 2:
        raise SystemExit("--rounds must be at least 1 and --flushes at least 2.")
    figures = measure(options.rounds, options.flushes)
    verdict = "meets" if figures["ratio"] <= TARGET else "misses"
    print(
        f"SQLAlchemy flush, no receiver connected (CPU time, median of {options.rounds} "
        f"interleaved rounds, {BATCH} objects per flush):\n"
        f"  plain {figures['plain_us']:.1f} us   with install() {figures['installed_us']:.1f} us"
        f"   ratio {figures['ratio']:.3f} ({verdict} the {TARGET:.2f}x target)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
