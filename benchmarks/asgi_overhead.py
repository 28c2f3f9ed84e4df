"""``python -m benchmarks.asgi_overhead``: what SignalsMiddleware costs a request.

Two measurements, in one run:

* **through uvicorn**: a trivial ASGI app served by uvicorn in three server
  processes (``benchmarks.asgi_server``): bare, wrapped in
  ``SignalsMiddleware`` with no receiver, and wrapped with one async
  receiver on ``request_finished``. This process is the load generator: a
  bounded number of requests over a few keep-alive connections (plain
  asyncio sockets, so that the client costs little)
  per round, each round bounded in time, the variants in a new order every
  round. It reports the median requests per second of each variant, the
  server process's CPU time per request (from ``/proc``, which a busy machine
  disturbs less than wall-clock time), and both as ratios to the bare app
  (medians of the per-round ratios);
* **in-process**: the same app called directly, bare and wrapped, to show the
  per-call cost without the noise of sockets and the HTTP client; also a
  variant that checks ``has_listeners()`` first, and one with a no-op
  receiver connected to each request signal.

Server and load generator share the machine: compare the variants of one
run, not runs with each other.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastdjango.contrib.asgi import ASGIApp, Message, Receive, Scope, Send, SignalsMiddleware
from fastdjango.core.signals import got_request_exception, request_finished, request_started

from .asgi_server import VARIANTS, trivial

SIGNALS = (request_started, request_finished, got_request_exception)
_ROOT = Path(__file__).resolve().parent.parent
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Server:
    """One server process and what its rounds measured."""

    variant: str
    port: int
    process: subprocess.Popen[bytes]
    rps: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process so far (None off Linux)."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def servers() -> Iterator[list[Server]]:
    """Start one server process per variant; stop them (by pid) afterwards."""
    started: list[Server] = []
    try:
        for variant in VARIANTS:
            port = free_port()
            command = [sys.executable, "-m", "benchmarks.asgi_server", variant, str(port)]
            process = subprocess.Popen(command, cwd=_ROOT)
            started.append(Server(variant, port, process))
        yield started
    finally:
        for server in started:
            server.process.terminate()
        for server in started:
            server.process.wait(timeout=10)


REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
#: What every answer of the app is: a 200 with a two-byte body.
STATUS, BODY = b"HTTP/1.1 200 ", b"\r\n\r\nok"


async def wait_until_up(port: int) -> None:
    for _ in range(500):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise RuntimeError(f"The benchmark server on port {port} did not start within 10 seconds.")


async def _worker(port: int, requests: int) -> None:
    """One keep-alive connection sending ``requests`` GETs, one at a time."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(requests):
            writer.write(REQUEST)
            answer = b""
            while not answer.endswith(BODY):
                chunk = await reader.read(4096)
                if not chunk:
                    raise RuntimeError(f"The server on port {port} closed the connection.")
                answer += chunk
            if not answer.startswith(STATUS):
                raise RuntimeError(f"The server on port {port} answered {answer[:40]!r}.")
    finally:
        writer.close()
        await writer.wait_closed()


async def load(port: int, total: int, concurrency: int) -> float:
    """Send ``total`` GETs from ``concurrency`` connections; return the seconds taken."""
    began = time.perf_counter()
    await asyncio.gather(*(_worker(port, total // concurrency) for _ in range(concurrency)))
    return time.perf_counter() - began


async def server_rounds(
    running: list[Server], rounds: int, total: int, concurrency: int, limit: float
) -> None:
    """Interleaved rounds over every server, each bounded by ``limit`` seconds."""
    sent = total // concurrency * concurrency
    shuffler = random.Random(0)
    for server in running:
        await wait_until_up(server.port)
        await load(server.port, total // 4, concurrency)  # warm up
    for _ in range(rounds):
        order = list(running)
        shuffler.shuffle(order)
        for server in order:
            before = server.cpu_seconds()
            async with asyncio.timeout(limit):
                seconds = await load(server.port, total, concurrency)
            after = server.cpu_seconds()
            server.rps.append(sent / seconds)
            if before is not None and after is not None:
                server.cpu_us.append((after - before) / sent * 1e6)


def _paired(values: list[float], bare: list[float]) -> str:
    """The median of per-round ratios, or ``n/a`` when no round of ``bare`` measured anything.

    ``/proc`` counts CPU time in clock ticks: a short round can read as 0.
    """
    ratios = [v / b for v, b in zip(values, bare, strict=True) if b]
    return f"{statistics.median(ratios):.3f}" if ratios else "n/a"


def server_report(running: list[Server], rounds: int, total: int, concurrency: int) -> str:
    bare = running[0]
    lines = [
        f"uvicorn, one server process per variant; load generator: this process "
        f"({concurrency} keep-alive connections), {rounds} interleaved rounds of {total} requests; "
        f"load average {os.getloadavg()[0]:.2f}",
        f"  {'variant':<10}{'req/s':>9}{'ratio':>8}{'server CPU us/req':>20}{'ratio':>8}",
    ]
    for server in running:
        rps_ratio = _paired(server.rps, bare.rps)
        cpu = f"{statistics.median(server.cpu_us):.1f}" if server.cpu_us else "n/a"
        cpu_ratio = _paired(server.cpu_us, bare.cpu_us) if server.cpu_us else "n/a"
        lines.append(
            f"  {server.variant:<10}{statistics.median(server.rps):>9,.0f}"
            f"{rps_ratio:>8}{cpu:>20}{cpu_ratio:>8}"
        )
    lines.append(
        "  (wrapped: SignalsMiddleware, no receiver; receiver: plus one async "
        "receiver on request_finished; ratios: medians of per-round ratios to bare)"
    )
    return "\n".join(lines)


async def receive_nothing() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def discard(message: Message) -> None:
    pass


async def nanoseconds_per_call(app: ASGIApp, calls: int) -> float:
    began = time.process_time()
    for _ in range(calls):
        scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
        await app(scope, receive_nothing, discard)
    return (time.process_time() - began) / calls * 1e9


class CheckingFirst(SignalsMiddleware):
    """The design not taken: call the app directly when nobody listens.

    ``has_listeners()`` looks at every plan, while a send to no receiver is
    one call into the dispatcher's fast path, so this costs more than the
    shipped middleware, which always sends.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not any(signal.has_listeners() for signal in SIGNALS):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


async def no_op_receiver(**kwargs: Any) -> None:
    pass


@contextmanager
def one_receiver_each() -> Iterator[None]:
    with ExitStack() as stack:
        for signal in SIGNALS:
            stack.enter_context(signal.connected_to(no_op_receiver))
        yield


async def in_process(rounds: int, calls: int) -> dict[str, float]:
    wrapped = SignalsMiddleware(trivial)
    checking = CheckingFirst(trivial)
    samples: dict[str, list[float]] = {
        "bare": [],
        "wrapped": [],
        "checking has_listeners() first": [],
        "wrapped, 1 receiver each": [],
    }
    for _ in range(rounds):
        samples["bare"].append(await nanoseconds_per_call(trivial, calls))
        samples["wrapped"].append(await nanoseconds_per_call(wrapped, calls))
        samples["checking has_listeners() first"].append(
            await nanoseconds_per_call(checking, calls)
        )
        with one_receiver_each():
            samples["wrapped, 1 receiver each"].append(await nanoseconds_per_call(wrapped, calls))
    return {name: statistics.median(values) for name, values in samples.items()}


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.asgi_overhead", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per round and app")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent client workers")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="the most one round may take, in seconds"
    )
    options = parser.parse_args(argv)
    for name in ("rounds", "requests", "concurrency"):
        if getattr(options, name) < 1:
            raise SystemExit(f"--{name} must be at least 1, got {getattr(options, name)}.")
    if options.requests < options.concurrency:
        raise SystemExit(
            f"--requests ({options.requests}) must be at least --concurrency "
            f"({options.concurrency}): every worker sends the same number."
        )
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    if any(signal.has_listeners() for signal in SIGNALS):
        raise RuntimeError("A request signal has receivers; this benchmark measures none.")
    with servers() as running:
        asyncio.run(
            server_rounds(
                running, options.rounds, options.requests, options.concurrency, options.timeout
            )
        )
    print(server_report(running, options.rounds, options.requests, options.concurrency))
    per_call = asyncio.run(in_process(options.rounds, 20_000))
    print("in-process, app called directly (median CPU ns per request):")
    for name, ns in per_call.items():
        extra = "" if name == "bare" else f"   (+{ns - per_call['bare']:,.0f} ns)"
        print(f"  {name:<32} {ns:>8,.0f} ns{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
