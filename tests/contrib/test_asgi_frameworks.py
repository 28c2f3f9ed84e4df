"""SignalsMiddleware in Starlette and FastAPI apps: test clients and uvicorn."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from fastdjango.contrib.asgi import Scope, SignalsMiddleware
from fastdjango.core.signals import request_finished, request_started
from fastdjango.core.signals.testing import capture
from tests.contrib.test_asgi import EXCEPTION, FINISHED, STARTED, Recorder, recording, served


def starlette_app(recorder: Recorder, error: Exception) -> Starlette:
    """A Starlette app whose endpoints note what they do in ``recorder``."""

    async def index(request: Request) -> Response:
        recorder.note("endpoint", request.scope)
        return PlainTextResponse("index")

    async def boom(request: Request) -> Response:
        raise error

    async def background(request: Request) -> Response:
        async def after() -> None:
            await asyncio.sleep(0.01)
            recorder.note("background task", request.scope)

        return PlainTextResponse("accepted", background=BackgroundTask(after))

    async def stream(request: Request) -> Response:
        async def chunks() -> AsyncIterator[str]:
            for word in ("a", "b", "c"):
                yield word
                recorder.note("chunk", request.scope)

        return StreamingResponse(chunks())

    async def chat(websocket: WebSocket) -> None:
        await websocket.accept()
        text = await websocket.receive_text()
        if text == "bye":
            await websocket.close()
            return
        await websocket.send_text(text.upper())
        assert (await websocket.receive())["type"] == "websocket.disconnect"

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        recorder.note("startup", {})
        yield
        recorder.note("shutdown", {})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/boom", boom),
            Route("/background", background),
            Route("/stream", stream),
            WebSocketRoute("/ws", chat),
        ],
        middleware=[Middleware(SignalsMiddleware)],
        lifespan=lifespan,
    )


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    with recording() as recorder:
        yield recorder


@pytest.fixture
def error() -> Exception:
    return ValueError("boom")


@pytest.fixture
def client(recorder: Recorder, error: Exception) -> Iterator[TestClient]:
    with TestClient(starlette_app(recorder, error)) as client:
        yield client


def test_starlette_lifespan_sends_nothing(recorder: Recorder, error: Exception) -> None:
    with TestClient(starlette_app(recorder, error)) as client:
        assert client.get("/").text == "index"
        recorder.wait_for_sync(FINISHED)
    assert recorder.kinds() == ["startup", STARTED, "endpoint", FINISHED, "shutdown"]


def test_starlette_normal_response(client: TestClient, recorder: Recorder) -> None:
    assert client.get("/").text == "index"
    recorder.wait_for_sync(FINISHED)
    assert recorder.kinds()[-3:] == [STARTED, "endpoint", FINISHED]
    assert len({id(event.scope) for event in recorder.events[-3:]}) == 1
    recorder.assert_paired(1)


def test_starlette_exception_reaches_the_caller_unchanged(
    client: TestClient, recorder: Recorder, error: Exception
) -> None:
    with pytest.raises(ValueError, match="boom") as raised:
        client.get("/boom")
    assert raised.value is error
    recorder.wait_for_sync(FINISHED)
    assert recorder.kinds()[-3:] == [STARTED, EXCEPTION, FINISHED]
    assert recorder.of(EXCEPTION)[0].exception is error
    recorder.assert_paired(1)


def test_starlette_background_task_runs_before_finished(
    client: TestClient, recorder: Recorder
) -> None:
    assert client.get("/background").text == "accepted"
    recorder.wait_for_sync(FINISHED)
    assert recorder.kinds()[-3:] == [STARTED, "background task", FINISHED]


def test_starlette_streaming_response(client: TestClient, recorder: Recorder) -> None:
    assert client.get("/stream").text == "abc"
    recorder.wait_for_sync(FINISHED)
    assert recorder.kinds()[-5:] == [STARTED, "chunk", "chunk", "chunk", FINISHED]
    recorder.assert_paired(1)


@pytest.mark.parametrize("closer", ["client", "server"])
def test_starlette_websocket(client: TestClient, recorder: Recorder, closer: str) -> None:
    with client.websocket_connect("/ws") as websocket:
        if closer == "server":
            websocket.send_text("bye")
            assert websocket.receive()["type"] == "websocket.close"
        else:
            websocket.send_text("hi")
            assert websocket.receive_text() == "HI"
    recorder.wait_for_sync(FINISHED)
    assert recorder.kinds()[-2:] == [STARTED, FINISHED]
    assert recorder.events[-1].scope["type"] == "websocket"
    recorder.assert_paired(1)


def fastapi_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(SignalsMiddleware)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        if item_id == 0:
            raise HTTPException(status_code=404, detail="Item not found")
        if item_id < 0:
            raise ArithmeticError("negative item")
        return {"item_id": item_id}

    @app.get("/feed")
    async def feed() -> StreamingResponse:
        async def forever() -> AsyncIterator[bytes]:
            while True:
                yield b"news\n"
                await asyncio.sleep(0.01)

        return StreamingResponse(forever(), media_type="text/plain")

    return app


async def test_fastapi_under_uvicorn(recorder: Recorder) -> None:
    async with served(fastapi_app()) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/items/3")).json() == {"item_id": 3}
        assert (await client.get("/items/0")).status_code == 404  # handled: no exception
        assert (await client.get("/items/-1")).status_code == 500
        await recorder.wait_for(FINISHED, 3)
    assert recorder.kinds() == [STARTED, FINISHED] * 2 + [STARTED, EXCEPTION, FINISHED]
    assert isinstance(recorder.of(EXCEPTION)[0].exception, ArithmeticError)
    assert [event.scope["path"] for event in recorder.of(FINISHED)] == [
        "/items/3",
        "/items/0",
        "/items/-1",
    ]
    recorder.assert_paired(3)


async def test_fastapi_endless_stream_client_disconnect(recorder: Recorder) -> None:
    async with served(fastapi_app()) as url, httpx.AsyncClient(base_url=url) as client:
        async with client.stream("GET", "/feed") as response:
            async for line in response.aiter_lines():
                assert line == "news"
                break
        await recorder.wait_for(FINISHED)
        await asyncio.sleep(0.05)  # a second finished would show up here
    recorder.assert_paired(1)
    assert not recorder.of(EXCEPTION)


# Seed 003, "Request Signals", verbatim (with the imports its "Request
# Signals" listing gives); run against a real FastAPI app under uvicorn.
SEED_003_REQUEST_SIGNALS = """
from fastdjango.core.signals import (
    request_started,
    request_finished,
)

@request_started.connect
async def on_request_start(sender, scope, **kwargs):
    # Log request start
    logger.info(f"Request started: {scope['path']}")

@request_finished.connect
async def on_request_end(sender, scope, **kwargs):
    # Clean up request resources
    pass
"""


async def test_seed_003_request_signals_example(caplog: pytest.LogCaptureFixture) -> None:
    namespace: dict[str, Any] = {"logger": logging.getLogger("myapp")}
    exec(SEED_003_REQUEST_SIGNALS, namespace)
    try:
        assert request_started.is_connected(namespace["on_request_start"])
        assert request_finished.is_connected(namespace["on_request_end"])
        caplog.set_level(logging.INFO, logger="myapp")
        with capture(request_finished) as finished:
            async with served(fastapi_app()) as url, httpx.AsyncClient(base_url=url) as client:
                assert (await client.get("/items/42")).json() == {"item_id": 42}
            assert [r.message for r in caplog.records if r.name == "myapp"] == [
                "Request started: /items/42"
            ]
        assert [send.kwargs["scope"]["path"] for send in finished] == ["/items/42"]
    finally:
        request_started.disconnect(namespace["on_request_start"])
        request_finished.disconnect(namespace["on_request_end"])


async def test_readme_per_request_workdir_is_always_removed() -> None:
    """The request signals guide's workdir example: removed after success, error, disconnect."""
    workdirs: list[str] = []

    def make_workdir(sender: object, scope: Scope, **kwargs: Any) -> None:
        scope["myapp.workdir"] = tempfile.TemporaryDirectory()
        workdirs.append(scope["myapp.workdir"].name)

    def remove_workdir(sender: object, scope: Scope, **kwargs: Any) -> None:
        workdir = scope.pop("myapp.workdir", None)
        if workdir is not None:
            workdir.cleanup()

    app = fastapi_app()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        path = Path(request.scope["myapp.workdir"].name, "upload.bin")
        return {"stored": await asyncio.to_thread(path.write_bytes, await request.body())}

    with (
        request_started.connected_to(make_workdir, sender=SignalsMiddleware),
        request_finished.connected_to(remove_workdir, sender=SignalsMiddleware),
        capture(request_finished) as finished,
    ):
        async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
            assert (await client.post("/upload", content=b"data")).json() == {"stored": 4}
            assert (await client.get("/items/-1")).status_code == 500
            async with client.stream("GET", "/feed") as response:
                async for _ in response.aiter_raw():
                    break
            for _ in range(1000):
                if len(finished) == 3:
                    break
                await asyncio.sleep(0.005)
    assert len(workdirs) == len(finished) == 3
    assert not any([await asyncio.to_thread(Path(name).exists) for name in workdirs])
