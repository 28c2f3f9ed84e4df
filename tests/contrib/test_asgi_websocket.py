"""SignalsMiddleware over WebSocket: plain ASGI apps under uvicorn, a real client."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from fastdjango.contrib.asgi import Receive, Scope, Send, SignalsMiddleware
from tests.contrib.test_asgi import EXCEPTION, FINISHED, STARTED, recording, served


def ws_url(base_url: str, path: str = "/ws") -> str:
    return base_url.replace("http://", "ws://", 1) + path


async def test_server_closes() -> None:
    with recording() as recorder:

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            assert (await receive())["type"] == "websocket.connect"
            await send({"type": "websocket.accept"})
            message = await receive()
            await send({"type": "websocket.send", "text": "echo: " + message["text"]})
            await send({"type": "websocket.close", "code": 1000})
            recorder.note("closed by server", scope)

        async with served(SignalsMiddleware(app)) as url:
            async with connect(ws_url(url)) as websocket:
                await websocket.send("hi")
                assert await websocket.recv() == "echo: hi"
                with pytest.raises(ConnectionClosed):
                    await websocket.recv()
            await recorder.wait_for(FINISHED)
    assert recorder.kinds() == [STARTED, "closed by server", FINISHED]
    assert recorder.events[0].scope["type"] == "websocket"
    assert recorder.events[0].scope["path"] == "/ws"
    recorder.assert_paired(1)


async def test_client_closes_finished_comes_with_the_disconnect() -> None:
    with recording() as recorder:
        release = asyncio.Event()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await receive()
            await send({"type": "websocket.accept"})
            while (await receive())["type"] != "websocket.disconnect":
                pass
            recorder.note("app saw the disconnect", scope)
            with contextlib.suppress(OSError):  # a send that fails as well changes nothing
                await send({"type": "websocket.send", "text": "too late"})
            await release.wait()  # cleanup that takes long does not delay finished
            recorder.note("app done", scope)

        async with served(SignalsMiddleware(app)) as url:
            async with connect(ws_url(url)) as websocket:
                await websocket.send("hello")
            await recorder.wait_for("app saw the disconnect")
            assert recorder.kinds() == [STARTED, FINISHED, "app saw the disconnect"]
            release.set()
            await recorder.wait_for("app done")
    recorder.assert_paired(1)


async def test_failed_send_after_the_client_left_finishes() -> None:
    with recording() as recorder:
        release = asyncio.Event()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await receive()
            await send({"type": "websocket.accept"})
            try:
                while True:  # never reads: only a failing send tells it the client left
                    await send({"type": "websocket.send", "text": "tick"})
                    await asyncio.sleep(0.01)
            except OSError:
                recorder.note("send failed", scope)
            await release.wait()

        async with served(SignalsMiddleware(app)) as url:
            async with connect(ws_url(url)) as websocket:
                assert await websocket.recv() == "tick"
            await recorder.wait_for("send failed")
            assert recorder.kinds() == [STARTED, FINISHED, "send failed"]
            release.set()
            await asyncio.sleep(0.02)
    recorder.assert_paired(1)


async def test_rejected_before_accept() -> None:
    with recording() as recorder:

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await receive()
            await send({"type": "websocket.close", "code": 1008})

        async with served(SignalsMiddleware(app)) as url:
            with pytest.raises(InvalidStatus, match="403"):
                async with connect(ws_url(url)):
                    pass
            await recorder.wait_for(FINISHED)
    assert recorder.kinds() == [STARTED, FINISHED]
    recorder.assert_paired(1)


async def test_app_raises_after_accept() -> None:
    error = KeyError("room")
    with recording() as recorder:

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await receive()
            await send({"type": "websocket.accept"})
            await receive()
            raise error

        async with served(SignalsMiddleware(app)) as url:
            async with connect(ws_url(url)) as websocket:
                await websocket.send("join")
                with pytest.raises(ConnectionClosed):  # uvicorn drops the connection
                    await websocket.recv()
            await recorder.wait_for(FINISHED)
    assert recorder.kinds() == [STARTED, EXCEPTION, FINISHED]
    assert recorder.of(EXCEPTION)[0].exception is error
    recorder.assert_paired(1)
