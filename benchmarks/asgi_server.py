"""The server side of the ASGI benchmark: one uvicorn process per variant.

``python -m benchmarks.asgi_server VARIANT PORT`` serves a trivial ASGI app
on 127.0.0.1:PORT until it is terminated. Each variant runs in a process of
its own because the request signals are process-wide: a receiver connected
for one variant would be seen by the others.

* ``bare``: the app alone;
* ``wrapped``: the app in ``SignalsMiddleware``, no receiver connected;
* ``receiver``: the same, with one async receiver on ``request_finished``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import uvicorn

from fastdjango.contrib.asgi import ASGIApp, Message, Receive, Scope, Send, SignalsMiddleware
from fastdjango.core.signals import request_finished

VARIANTS = ("bare", "wrapped", "receiver")
START: Message = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-length", b"2")],
}
BODY: Message = {"type": "http.response.body", "body": b"ok"}


async def trivial(scope: Scope, receive: Receive, send: Send) -> None:
    """The app under test: answers ``ok``."""
    await send(START)
    await send(BODY)


async def on_request_finished(**kwargs: Any) -> None:
    """The receiver of the ``receiver`` variant: an awaited call that does nothing."""


def app_for(variant: str) -> ASGIApp:
    """The app a variant serves (connecting its receiver, for ``receiver``)."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}; choose from {', '.join(VARIANTS)}.")
    if variant == "bare":
        return trivial
    if variant == "receiver":
        request_finished.connect(on_request_finished, weak=False)
    return SignalsMiddleware(trivial)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.asgi_server")
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("port", type=int)
    options = parser.parse_args(argv)
    config = uvicorn.Config(
        app_for(options.variant),
        host="127.0.0.1",
        port=options.port,
        lifespan="off",
        access_log=False,
        log_level="warning",
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
