"""Durable delivery on the database: request-path cost, throughput, latency.

* **Request path**: a transaction that creates a row and sends a signal,
  with one durable receiver connected against the same transaction sending
  a signal nobody receives. Interleaved rounds, wall clock (the cost is
  database I/O); the median µs per transaction and the median of the
  per-round ratios, and the statements the durable send added (target: at
  most one INSERT).
* **Throughput**: events already in the outbox, no-op receivers, worker
  subprocesses (``python -m fastdjango worker``) started first; the events
  become claimable at one instant and the clock stops when the outbox is
  empty. Targets: 2,000 events/s per worker on SQLite, 5,000 events/s with
  2 workers on PostgreSQL.
* **Latency**: 200 sends a second from this process, one worker; each
  receiver records how long after its send it started (p50 / p99).

SQLite runs on a file in a temporary directory; PostgreSQL on the test
server (127.0.0.1:5432, database ``test``) in a schema of its own, skipped
when it does not answer. Run ``python -m benchmarks.durable_delivery
[--quick] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tortoise.context import TortoiseContext
from tortoise.transactions import in_transaction

from fastdjango.contrib.tortoise import install
from fastdjango.durable import DatabaseTransport, configure
from fastdjango.durable._enqueue import new_event, outbox_rows
from fastdjango.durable._outbox import Outbox, find_outbox
from fastdjango.durable._schema import TABLE
from fastdjango.durable._sql import insert

from .durable_app import BenchOrder, config, latency_signal, noop_signal, plain_signal

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = "postgres://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Sizes:
    """How much work each measurement does."""

    rounds: int
    sends: int
    events: int
    latency_seconds: float


FULL = Sizes(rounds=9, sends=200, events=20_000, latency_seconds=5.0)
QUICK = Sizes(rounds=2, sends=20, events=500, latency_seconds=0.5)


@dataclass(frozen=True)
class Result:
    """The figures of one database."""

    backend: str
    plain_us: float
    durable_us: float
    ratio: float
    statements_per_send: float
    throughput: dict[str, float]
    per_cpu_second: float
    latency_p50_ms: float
    latency_p99_ms: float


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@asynccontextmanager
async def database(backend: str, directory: Path) -> AsyncIterator[str]:
    """Tortoise with the benchmark model and the outbox on a fresh database; its URL."""
    schema = None
    if backend == "postgres":
        import asyncpg  # type: ignore[import-untyped]

        schema = f"fdj_bench_{uuid.uuid4().hex[:10]}"
        connection = await asyncpg.connect(PG_BASE)
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        await connection.close()
        url = f"{PG_BASE}?schema={schema}"
    else:
        url = f"sqlite://{directory / 'bench.sqlite3'}"
    try:
        async with TortoiseContext() as context:
            await context.init(config=config(url))
            install()
            await context.generate_schemas()
            configure(DatabaseTransport())
            try:
                yield url
            finally:
                configure(None)
    finally:
        if schema is not None:
            import asyncpg

            connection = await asyncpg.connect(PG_BASE)
            await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await connection.close()


def _outbox() -> Outbox:
    outbox = find_outbox()
    assert outbox is not None, "install() registers the Tortoise outbox"
    return outbox


async def _clear(outbox: Outbox) -> None:
    await outbox.execute(f"DELETE FROM {TABLE}", [])


async def _pending(outbox: Outbox) -> int:
    [(count,)] = await outbox.execute(f"SELECT COUNT(*) FROM {TABLE}", [])
    return int(str(count))


class _Counting:
    """Counts the statements the durable send runs through the outbox."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox, self.statements = outbox, 0
        self._execute = outbox.execute

    async def execute(
        self, statement: str, parameters: Sequence[object]
    ) -> list[tuple[object, ...]]:
        self.statements += 1
        return await self._execute(statement, parameters)


async def request_path(sizes: Sizes) -> tuple[float, float, float, float]:
    """(plain µs, durable µs, median ratio, statements per durable send)."""
    outbox = _outbox()

    async def transactions(signal_: Any) -> float:
        start = time.perf_counter()
        for _ in range(sizes.sends):
            async with in_transaction():
                order = await BenchOrder.create(item="flag")
                await signal_.send(BenchOrder, order=order)
        return (time.perf_counter() - start) / sizes.sends * 1e6

    plain, durable, ratios = [], [], []
    counter = _Counting(outbox)
    for number in range(sizes.rounds):
        pair = (plain_signal, noop_signal) if number % 2 == 0 else (noop_signal, plain_signal)
        timings: dict[str, float] = {}
        for signal_ in pair:
            if signal_ is noop_signal:
                outbox.execute = counter.execute  # type: ignore[method-assign]
            try:
                timings[signal_.name or ""] = await transactions(signal_)
            finally:
                outbox.__dict__.pop("execute", None)
        plain.append(timings["bench_plain"])
        durable.append(timings["bench_noop"])
        ratios.append(timings["bench_noop"] / timings["bench_plain"])
        await _clear(outbox)
    per_send = counter.statements / (sizes.sends * sizes.rounds)
    return statistics.median(plain), statistics.median(durable), statistics.median(ratios), per_send


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def workers(url: str, directory: Path, count: int) -> AsyncIterator[list[int]]:
    """``count`` worker subprocesses, ready (serving) on entry, drained on exit; their pids."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DURABLE_BENCH_DB": url,
        "DURABLE_BENCH_DIR": str(directory),
    }
    processes, logs = [], []
    for number in range(count):
        log = directory / f"worker-{number}-{uuid.uuid4().hex[:6]}.log"
        logs.append(log)
        with log.open("ab") as output:
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    *("-m", "fastdjango", "worker", "--setup", "benchmarks.durable_app:setup"),
                    *("--concurrency", "64", "--progress", "60"),
                    env=env,
                    cwd=ROOT,
                    stdout=output,
                    stderr=output,
                )
            )
    try:
        for log in logs:
            await _until(functools.partial(_ready, log), 60, f"worker {log.name} to start")
        yield [process.pid for process in processes]
    finally:
        for process in processes:
            if process.returncode is None:
                os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            await process.wait()


async def _ready(log: Path) -> bool:
    return "serving" in await asyncio.to_thread(log.read_text)


async def _until(check: Callable[[], Awaitable[bool]], limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Waited {limit} s for {what}.")
        await asyncio.sleep(0.005)


async def throughput(url: str, directory: Path, count: int, events: int) -> tuple[float, float]:
    """Events per second ``count`` workers deliver from a full outbox, and per CPU second."""
    outbox = _outbox()
    await _clear(outbox)
    async with workers(url, directory, count) as pids:
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        opens = time.time() + 0.5 + events / 50_000  # after the inserts below
        batch = 500
        for first in range(0, events, batch):
            parameters: list[object] = []
            rows = min(batch, events - first)
            for _ in range(rows):
                event = new_event(
                    signal="bench_noop", sender="null", payload="{}", receivers=("noop",), keys={}
                )
                parameters += outbox_rows(outbox, event, available_in=0.0)[1]
            parameters[8::9] = [opens] * rows  # available_at: all at once
            await outbox.execute(insert(outbox.dialect, rows), parameters)
        if time.time() > opens:
            raise RuntimeError("Inserting the events took longer than planned.")
        await asyncio.sleep(max(0.0, opens - time.time()))

        async def empty() -> bool:
            return await _pending(outbox) == 0

        await _until(empty, 120, f"{events} deliveries")
        elapsed = time.time() - opens
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    return events / elapsed, events / cpu


async def latency(url: str, directory: Path, seconds: float, rate: float = 200.0) -> list[float]:
    """Send ``rate`` events a second for ``seconds`` to one worker; the latencies (s)."""
    total = int(seconds * rate)
    async with workers(url, directory, 1):
        start = time.monotonic()
        for number in range(total):
            await asyncio.sleep(max(0.0, start + number / rate - time.monotonic()))
            async with in_transaction():
                order = await BenchOrder.create(item="flag")
                await latency_signal.send(BenchOrder, order=order)

        async def all_in() -> bool:
            return len(await asyncio.to_thread(_latencies, directory)) >= total

        await _until(all_in, 60, "every latency")
    return await asyncio.to_thread(_latencies, directory)


def _latencies(directory: Path) -> list[float]:
    values: list[float] = []
    for path in directory.glob("latency-*.txt"):
        values += [float(line) for line in path.read_text().split()]
    return values


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(backend: str, sizes: Sizes) -> Result:
    """Every figure for one database."""
    with tempfile.TemporaryDirectory(prefix="fastdjango-durable-bench-") as tmp:
        directory = Path(tmp)
        async with database(backend, directory) as url:
            plain_us, durable_us, ratio, per_send = await request_path(sizes)
            counts = (1,) if backend == "sqlite" else (1, 2)
            rates: dict[str, float] = {}
            per_cpu = 0.0
            for count in counts:
                rate, cpu_rate = await throughput(url, directory, count, sizes.events)
                rates[f"{count} worker{'s' * (count > 1)}"] = rate
                per_cpu = per_cpu or cpu_rate
            waits = await latency(url, directory, sizes.latency_seconds)
    return Result(
        backend=backend,
        plain_us=plain_us,
        durable_us=durable_us,
        ratio=ratio,
        statements_per_send=per_send,
        throughput=rates,
        per_cpu_second=per_cpu,
        latency_p50_ms=_quantile(waits, 0.50) * 1e3,
        latency_p99_ms=_quantile(waits, 0.99) * 1e3,
    )


TARGETS = {"sqlite": ("1 worker", 2_000.0), "postgres": ("2 workers", 5_000.0)}


def render(results: list[Result]) -> str:
    """The results as a table, with the targets."""
    lines = ["Durable delivery on the database (wall clock; interleaved rounds)", ""]
    for result in results:
        workers_label, target = TARGETS[result.backend]
        reached = result.throughput[workers_label]
        lines += [
            f"{result.backend}:",
            f"  request path: {result.plain_us:8.1f} µs per transaction without, "
            f"{result.durable_us:8.1f} µs with one durable receiver "
            f"(x{result.ratio:.2f}); {result.statements_per_send:.2f} statements added per "
            f"send (target <= 1 INSERT)",
            *(
                f"  throughput, {label}: {rate:10,.0f} events/s"
                for label, rate in result.throughput.items()
            ),
            f"    target {target:,.0f}/s with {workers_label}: "
            f"{'met' if reached >= target else 'MISSED'} ({reached / target:.2f}x); one worker "
            f"delivers {result.per_cpu_second:,.0f} events per CPU second it uses",
            f"  commit-to-receiver latency at 200 events/s: p50 {result.latency_p50_ms:.1f} ms, "
            f"p99 {result.latency_p99_ms:.1f} ms",
            "",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark on SQLite and (when it answers) PostgreSQL."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.durable_delivery")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--backend", action="append", choices=["sqlite", "postgres"], help="only these"
    )
    options = parser.parse_args(argv)
    sizes = QUICK if options.quick else FULL
    backends = options.backend or ["sqlite", *(["postgres"] if _answers(5432) else [])]
    results = [asyncio.run(measure(backend, sizes)) for backend in backends]
    if options.json:
        print(json.dumps([asdict(result) for result in results], indent=2))
    else:
        print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
