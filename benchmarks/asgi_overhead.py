"""What SignalsMiddleware costs a request when no receiver is connected.

Two measurements, in one run:

* **server**: a trivial ASGI app served by uvicorn twice, bare and wrapped in
  ``SignalsMiddleware``, in a child process; this process drives both with a
  bounded loop of httpx requests (keep-alive, a few concurrent workers), in
  interleaved rounds (bare, wrapped, wrapped, bare, ...), and reports the
  median requests per second of each;
* **in-process**: the same app called directly, bare and wrapped, to show the
  per-call cost without the noise of sockets and the HTTP client; for scale,
  also a variant that checks ``has_listeners()`` first and one with a no-op
  receiver connected to each request signal.

Run from a checkout: ``python benchmarks/asgi_overhead.py [--rounds 7]
[--requests 2000] [--concurrency 8]``. Numbers from a shared or busy machine
are noisy: compare the two columns of one run, not runs with each other.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import uvicorn

from fastdjango.contrib.asgi import ASGIApp, Message, Receive, Scope, Send, SignalsMiddleware
from fastdjango.core.signals import got_request_exception, request_finished, request_started

START: Message = {"type": "http.response.start", "status": 200, "headers": []}
BODY: Message = {"type": "http.response.body", "body": b"ok"}
SIGNALS = (request_started, request_finished, got_request_exception)


async def trivial(scope: Scope, receive: Receive, send: Send) -> None:
    """The app under test: answers ``ok``."""
    await send(START)
    await send(BODY)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_forever(bare_port: int, wrapped_port: int) -> None:
    """The child process: both servers in one event loop, until killed."""
    apps: list[tuple[ASGIApp, int]] = [
        (trivial, bare_port),
        (SignalsMiddleware(trivial), wrapped_port),
    ]
    servers = [
        uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                lifespan="off",
                access_log=False,
                log_level="warning",
            )
        )
        for app, port in apps
    ]

    async def main() -> None:
        await asyncio.gather(*(server.serve() for server in servers))

    asyncio.run(main())


@contextmanager
def servers() -> Iterator[dict[str, str]]:
    """Start the child process; yield ``{"bare": url, "wrapped": url}``."""
    ports = free_port(), free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", *map(str, ports)])
    try:
        yield {"bare": f"http://127.0.0.1:{ports[0]}/", "wrapped": f"http://127.0.0.1:{ports[1]}/"}
    finally:
        child.terminate()
        child.wait(timeout=10)


async def wait_until_up(client: httpx.AsyncClient, url: str) -> None:
    for _ in range(500):
        try:
            await client.get(url)
            return
        except httpx.TransportError:
            await asyncio.sleep(0.02)
    raise RuntimeError(f"The benchmark server at {url} did not start within 10 seconds.")


async def requests_per_second(
    client: httpx.AsyncClient, url: str, total: int, concurrency: int
) -> float:
    """Send ``total`` GETs from ``concurrency`` workers; return requests per second."""
    each = total // concurrency

    async def worker() -> None:
        for _ in range(each):
            response = await client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}, expected 200.")

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return each * concurrency / (time.perf_counter() - began)


async def server_rounds(
    urls: dict[str, str], rounds: int, total: int, concurrency: int
) -> dict[str, list[float]]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    results: dict[str, list[float]] = {name: [] for name in urls}
    async with httpx.AsyncClient(limits=limits) as client:
        for url in urls.values():
            await wait_until_up(client, url)
            await requests_per_second(client, url, total // 4, concurrency)  # warm up
        for round_ in range(rounds):
            order = list(urls) if round_ % 2 == 0 else list(reversed(urls))
            for name in order:
                results[name].append(
                    await requests_per_second(client, urls[name], total, concurrency)
                )
    return results


async def receive_nothing() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def discard(message: Message) -> None:
    pass


async def nanoseconds_per_call(app: ASGIApp, calls: int) -> float:
    began = time.perf_counter()
    for _ in range(calls):
        scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
        await app(scope, receive_nothing, discard)
    return (time.perf_counter() - began) / calls * 1e9


class CheckingFirst(SignalsMiddleware):
    """The design not taken: call the app directly when nobody listens.

    ``has_listeners()`` walks the connections under a lock, while a send to
    no receiver is one call into the dispatcher's fast path, so this costs
    more than the shipped middleware, which always sends.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per round and app")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent client workers")
    parser.add_argument("--serve", nargs=2, type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_forever(*args.serve)
        return
    if any(signal.has_listeners() for signal in SIGNALS):
        raise RuntimeError("A request signal has receivers; this benchmark measures none.")

    with servers() as urls:
        rps = asyncio.run(server_rounds(urls, args.rounds, args.requests, args.concurrency))
    bare, wrapped = statistics.median(rps["bare"]), statistics.median(rps["wrapped"])
    print(
        f"uvicorn + httpx, {args.rounds} interleaved rounds of {args.requests} requests, "
        f"{args.concurrency} workers, no receivers:"
    )
    for name, values in rps.items():
        spread = f"{min(values):,.0f} .. {max(values):,.0f}"
        print(f"  {name:<8} median {statistics.median(values):>8,.0f} req/s   (rounds: {spread})")
    paired = statistics.median(w / b for w, b in zip(rps["wrapped"], rps["bare"], strict=True))
    print(f"  wrapped / bare: {wrapped / bare:.3f} (medians), {paired:.3f} (median of rounds)")

    per_call = asyncio.run(in_process(args.rounds, 20_000))
    print("in-process, app called directly (median ns per request):")
    for name, ns in per_call.items():
        extra = "" if name == "bare" else f"   (+{ns - per_call['bare']:,.0f} ns)"
        print(f"  {name:<32} {ns:>8,.0f} ns{extra}")


if __name__ == "__main__":
    main()
