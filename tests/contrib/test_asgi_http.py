"""SignalsMiddleware over HTTP: plain ASGI apps under uvicorn, driven by httpx."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest

from fastdjango.contrib.asgi import Receive, Scope, Send, SignalsMiddleware
from fastdjango.core.signals import got_request_exception, request_finished, request_started
from tests.contrib.test_asgi import EXCEPTION, FINISHED, STARTED, Recorder, hello, recording, served

CHUNKS = [b"one ", b"two ", b"three"]


def start() -> dict[str, Any]:
    return {"type": "http.response.start", "status": 200, "headers": []}


def body(data: bytes, more: bool = False) -> dict[str, Any]:
    return {"type": "http.response.body", "body": data, "more_body": more}


class Catcher:
    """An outer ASGI layer keeping whatever the inner app raises, then re-raising it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.caught: list[BaseException] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except BaseException as exc:
            self.caught.append(exc)
            raise


async def test_normal_response() -> None:
    with recording() as recorder:

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            recorder.note("app", scope)
            await hello(scope, receive, send)
            recorder.note("sent", scope)

        async with served(SignalsMiddleware(app)) as url, httpx.AsyncClient() as client:
            response = await client.get(url + "/items/1")
        await recorder.wait_for(FINISHED)
    assert (response.status_code, response.text) == (200, "hello")
    assert recorder.kinds() == [STARTED, "app", "sent", FINISHED]
    assert len({id(event.scope) for event in recorder.events}) == 1
    assert recorder.events[0].scope["path"] == "/items/1"
    recorder.assert_paired(1)


async def test_streaming_response_finishes_after_the_last_chunk() -> None:
    with recording() as recorder:

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await send(start())
            for chunk in CHUNKS:
                await asyncio.sleep(0.01)
                await send(body(chunk, more=True))
                recorder.note("chunk", scope)
            await send(body(b""))
            recorder.note("last", scope)

        async with served(SignalsMiddleware(app)) as url, httpx.AsyncClient() as client:
            async with client.stream("GET", url) as response:
                received = [chunk async for chunk in response.aiter_raw()]
        await recorder.wait_for(FINISHED)
    assert b"".join(received) == b"".join(CHUNKS)
    assert recorder.kinds() == [STARTED, "chunk", "chunk", "chunk", "last", FINISHED]
    recorder.assert_paired(1)


async def test_app_exception_before_the_response_propagates_unchanged() -> None:
    error = ValueError("no such item")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise error

    catcher = Catcher(SignalsMiddleware(app))
    with recording() as recorder:
        async with served(catcher) as url, httpx.AsyncClient() as client:
            response = await client.get(url)
        await recorder.wait_for(FINISHED)
    assert response.status_code == 500  # uvicorn's answer to the exception
    assert catcher.caught == [error]
    assert recorder.kinds() == [STARTED, EXCEPTION, FINISHED]
    assert recorder.of(EXCEPTION)[0].exception is error
    recorder.assert_paired(1)
    assert recorder.of(EXCEPTION)[0].scope is recorder.of(STARTED)[0].scope


async def test_app_exception_after_the_response_started() -> None:
    error = RuntimeError("database went away mid-stream")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start())
        await send(body(b"partial", more=True))
        raise error

    catcher = Catcher(SignalsMiddleware(app))
    with recording() as recorder:
        async with served(catcher) as url, httpx.AsyncClient() as client:
            with pytest.raises(httpx.RemoteProtocolError, match="incomplete"):
                await client.get(url)
        await recorder.wait_for(FINISHED)
    assert catcher.caught == [error]
    assert recorder.kinds() == [STARTED, EXCEPTION, FINISHED]
    assert recorder.of(EXCEPTION)[0].exception is error
    recorder.assert_paired(1)


async def read_one_chunk_and_leave(url: str) -> None:
    async with httpx.AsyncClient() as client, client.stream("GET", url) as response:
        async for chunk in response.aiter_raw():
            assert chunk
            break


async def test_client_disconnect_mid_stream_seen_by_a_listening_app() -> None:
    """The app streams until its disconnect listener hears the client go."""
    with recording() as recorder:

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            gone = asyncio.Event()

            async def listen() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                gone.set()

            listener = asyncio.create_task(listen())
            await send(start())
            while not gone.is_set():
                await send(body(b"tick\n", more=True))
                await asyncio.sleep(0.01)
            await listener
            recorder.note("app done", scope)

        async with served(SignalsMiddleware(app)) as url:
            await read_one_chunk_and_leave(url)
            await recorder.wait_for("app done")
            await asyncio.sleep(0.05)  # a second finished would show up here
    assert recorder.kinds() == [STARTED, FINISHED, "app done"]
    recorder.assert_paired(1)


async def test_client_disconnect_finishes_even_if_the_app_never_ends() -> None:
    """Once the client is gone, finished does not wait for a stuck app."""
    with recording() as recorder:
        release = asyncio.Event()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await send(start())
            await send(body(b"first chunk", more=True))
            await receive()  # the request body
            assert (await receive())["type"] == "http.disconnect"
            await release.wait()  # stuck (say, on a lock), long after the client left
            recorder.note("app done", scope)

        async with served(SignalsMiddleware(app)) as url:
            await read_one_chunk_and_leave(url)
            await recorder.wait_for(FINISHED)
            assert recorder.kinds() == [STARTED, FINISHED]
            release.set()
            await recorder.wait_for("app done")
    assert recorder.kinds() == [STARTED, FINISHED, "app done"]
    recorder.assert_paired(1)


async def test_finished_receivers_survive_the_app_cancelling_its_listener() -> None:
    """As Starlette's streaming response does: the body ends, the disconnect
    listener (in which finished is being sent) is cancelled."""
    with recording() as recorder:

        async def slow_receiver(sender: object, scope: Scope, **kwargs: Any) -> None:
            await asyncio.sleep(0.2)
            recorder.note("slow receiver done", scope)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            async def listen() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass

            listener = asyncio.create_task(listen())
            await send(start())
            for _ in range(5):
                await send(body(b"tick\n", more=True))
                await asyncio.sleep(0.02)
            listener.cancel()
            recorder.note("listener cancelled", scope)

        with request_finished.connected_to(slow_receiver):
            async with served(SignalsMiddleware(app)) as url:
                await read_one_chunk_and_leave(url)
                await recorder.wait_for("slow receiver done")
    assert recorder.kinds() == [STARTED, FINISHED, "listener cancelled", "slow receiver done"]
    recorder.assert_paired(1)


async def test_disconnect_message_after_the_response_waits_for_the_app() -> None:
    """uvicorn answers receive() with http.disconnect once the response is
    complete; work the app does after that still comes before finished."""
    with recording() as recorder:

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await receive()
            await hello(scope, receive, send)
            assert (await receive())["type"] == "http.disconnect"
            await asyncio.sleep(0.02)
            recorder.note("after-response work", scope)

        async with served(SignalsMiddleware(app)) as url, httpx.AsyncClient() as client:
            assert (await client.get(url)).text == "hello"
            await recorder.wait_for(FINISHED)
    assert recorder.kinds() == [STARTED, "after-response work", FINISHED]


def make_failing_receiver(name: str) -> Any:
    def failing(**kwargs: Any) -> None:
        raise LookupError(f"{name} receiver broke")

    return failing


@pytest.mark.parametrize("signal", [request_started, request_finished, got_request_exception])
async def test_a_raising_receiver_is_logged_and_changes_nothing(
    signal: Any, caplog: pytest.LogCaptureFixture
) -> None:
    error = ValueError("app failed")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/fail":
            raise error
        await hello(scope, receive, send)

    catcher = Catcher(SignalsMiddleware(app))
    failing = make_failing_receiver(signal.name)
    with recording() as recorder, signal.connected_to(failing, priority=1):
        async with served(catcher) as url, httpx.AsyncClient() as client:
            response = await client.get(url)
            failure = await client.get(url + "/fail")
        await recorder.wait_for(FINISHED, 2)
    assert (response.status_code, response.text) == (200, "hello")
    assert failure.status_code == 500
    assert catcher.caught == [error]
    assert recorder.kinds() == [STARTED, FINISHED, STARTED, EXCEPTION, FINISHED]
    recorder.assert_paired(2)
    logged = [
        record
        for record in caplog.records
        if record.name == "fastdjango.signals" and f"{signal.name} receiver broke" in record.message
    ]
    assert logged
    assert all(record.levelno >= logging.WARNING and record.exc_info for record in logged)


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_sync_and_async_receivers(flavour: str) -> None:
    recorder = Recorder()

    def on_start(sender: object, scope: Scope, **kwargs: Any) -> None:
        recorder.note(STARTED, scope)

    def on_end(sender: object, scope: Scope, **kwargs: Any) -> None:
        recorder.note(FINISHED, scope)

    async def on_start_async(sender: object, scope: Scope, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        on_start(sender, scope)

    async def on_end_async(sender: object, scope: Scope, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        on_end(sender, scope)

    started, finished = (on_start, on_end) if flavour == "sync" else (on_start_async, on_end_async)
    with request_started.connected_to(started), request_finished.connected_to(finished):
        async with served(SignalsMiddleware(hello)) as url, httpx.AsyncClient() as client:
            await client.post(url, content=b"payload")
            await recorder.wait_for(FINISHED)
    assert recorder.kinds() == [STARTED, FINISHED]
    assert [event.scope["method"] for event in recorder.events] == ["POST", "POST"]
    assert recorder.events[0].scope is recorder.events[1].scope


async def test_receivers_can_read_the_request_from_the_scope() -> None:
    seen: list[tuple[str, str, bytes | None, str]] = []

    async def on_start(sender: object, scope: Scope, **kwargs: Any) -> None:
        headers = dict(scope["headers"])
        seen.append((scope["method"], scope["path"], headers.get(b"x-trace"), scope["client"][0]))

    with request_started.connected_to(on_start):
        async with served(SignalsMiddleware(hello)) as url, httpx.AsyncClient() as client:
            await client.delete(url + "/orders/7", headers={"X-Trace": "abc"})
    assert seen == [("DELETE", "/orders/7", b"abc", "127.0.0.1")]


async def test_many_concurrent_requests_are_each_paired() -> None:
    count = 200

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.001)
        await hello(scope, receive, send)

    with recording() as recorder:
        limits = httpx.Limits(max_connections=50)
        async with (
            served(SignalsMiddleware(app)) as url,
            httpx.AsyncClient(limits=limits, timeout=30) as client,
        ):
            responses = await asyncio.gather(*(client.get(f"{url}/{n}") for n in range(count)))
            await recorder.wait_for(FINISHED, count)
    assert all(response.text == "hello" for response in responses)
    recorder.assert_paired(count)
    assert sorted(event.scope["path"] for event in recorder.of(FINISHED)) == sorted(
        f"/{n}" for n in range(count)
    )
    assert not recorder.of(EXCEPTION)
