"""Run the demo app under uvicorn, in the caller's event loop."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from .app import DemoFailure

__all__ = ["free_port", "serve", "wrap_app"]


def _unchanged(app: Any) -> Any:
    return app


#: What ``serve`` wraps the app in (``demo --trace``: OpenTelemetry's middleware).
wrap_app: Callable[[Any], Any] = _unchanged


def free_port(port: int = 0) -> int:
    """``port`` (0: any) if nobody listens on it on 127.0.0.1 now; OSError if taken."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        found: int = sock.getsockname()[1]
        return found


@asynccontextmanager
async def serve(app: Any, port: int = 0) -> AsyncIterator[tuple[str, asyncio.Task[None]]]:
    """Serve ``app`` on 127.0.0.1 (``port`` 0: a free one) inside the block.

    Yields the base URL and the server task (which ends on Ctrl-C). The
    server runs as a task of this loop, so it sees this context: the
    Tortoise context and the demo's journal. It is stopped on exit.
    """
    port = free_port(port)  # an OSError here, rather than uvicorn's sys.exit()
    config = uvicorn.Config(
        wrap_app(app), host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    quiet = _QuietDemoFailure()
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addFilter(quiet)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(1000):
            if server.started:
                break
            if task.done():
                task.result()
                raise RuntimeError(f"uvicorn could not listen on 127.0.0.1:{port}.")
            await asyncio.sleep(0.01)
        else:
            raise RuntimeError("uvicorn did not start within 10 seconds.")
        yield f"http://127.0.0.1:{port}", task
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, timeout=10)
        finally:
            uvicorn_errors.removeFilter(quiet)


class _QuietDemoFailure(logging.Filter):
    """Keep the failure ``GET /boom`` raises on purpose out of uvicorn's log.

    The report shows it (``got_request_exception``); any other error is
    still logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, DemoFailure)
