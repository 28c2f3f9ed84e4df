"""Run an ASGI app under a real uvicorn server on 127.0.0.1 for a test."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serve(
    app: Any, *, lifespan: Literal["auto", "on", "off"] = "auto", **config: Any
) -> AsyncIterator[str]:
    """Serve ``app`` in this event loop; yield its base URL (``http://...``).

    The server runs as a task of the test's own loop, so receivers connected
    by the test see the requests it makes. It is shut down on exit, and a
    server that fails to start fails the test.
    """
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan=lifespan,
            log_level="warning",
            **config,
        )
    )
    server.config.setup_event_loop = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            if task.done():
                task.result()
                raise RuntimeError("uvicorn exited before it started serving")
            await asyncio.sleep(0.01)
        else:
            raise RuntimeError("uvicorn did not start within 5 seconds")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
