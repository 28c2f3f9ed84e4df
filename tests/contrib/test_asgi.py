"""SignalsMiddleware: construction, pass-through, short-circuit, sender.

Also home of the recorder the other ``test_asgi_*`` modules share.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

import fastdjango.contrib.asgi as asgi_module
from fastdjango.contrib.asgi import Receive, Scope, Send, SignalsMiddleware
from fastdjango.core.signals import got_request_exception, request_finished, request_started
from fastdjango.core.signals.testing import capture
from tests.support.server import serve

STARTED, FINISHED, EXCEPTION = "started", "finished", "exception"


@dataclass(frozen=True)
class Event:
    """One thing that happened to one connection, in the order it happened."""

    kind: str
    scope: Scope
    sender: object = None
    exception: BaseException | None = None


class Recorder:
    """Receivers for the three request signals, plus notes taken by test apps."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def note(self, kind: str, scope: Scope) -> None:
        """Record something a test app did (``kind`` is free text)."""
        self.events.append(Event(kind, scope))

    async def started(self, sender: object, scope: Scope, **kwargs: Any) -> None:
        self.events.append(Event(STARTED, scope, sender))

    async def finished(self, sender: object, scope: Scope, **kwargs: Any) -> None:
        self.events.append(Event(FINISHED, scope, sender))

    async def failed(
        self, sender: object, scope: Scope, exception: BaseException, **kwargs: Any
    ) -> None:
        self.events.append(Event(EXCEPTION, scope, sender, exception))

    def of(self, kind: str) -> list[Event]:
        return [event for event in self.events if event.kind == kind]

    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]

    async def wait_for(self, kind: str, count: int = 1) -> None:
        """Wait (at most 5 s) until ``count`` events of ``kind`` were recorded."""
        for _ in range(1000):
            if len(self.of(kind)) >= count:
                return
            await asyncio.sleep(0.005)
        raise AssertionError(f"expected {count} {kind} event(s), got {self.kinds()}")

    def wait_for_sync(self, kind: str, count: int = 1) -> None:
        """:meth:`wait_for` for tests that drive a sync test client."""
        for _ in range(1000):
            if len(self.of(kind)) >= count:
                return
            time.sleep(0.005)
        raise AssertionError(f"expected {count} {kind} event(s), got {self.kinds()}")

    def assert_paired(self, count: int) -> None:
        """``count`` connections, each started once and finished once, same scope."""
        started = self.of(STARTED)
        finished = self.of(FINISHED)
        assert len(started) == len(finished) == count
        for event in started:
            assert sum(other.scope is event.scope for other in finished) == 1
        assert {event.sender for event in self.events if event.sender} <= {SignalsMiddleware}


@contextmanager
def recording() -> Iterator[Recorder]:
    """Connect a :class:`Recorder` to the three request signals for the block."""
    recorder = Recorder()
    with ExitStack() as stack:
        stack.enter_context(request_started.connected_to(recorder.started))
        stack.enter_context(request_finished.connected_to(recorder.finished))
        stack.enter_context(got_request_exception.connected_to(recorder.failed))
        yield recorder


def served(app: Any) -> AbstractAsyncContextManager[str]:
    """uvicorn serving ``app`` (test apps have no lifespan); yields the base URL."""
    return serve(app, lifespan="off")


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    """A plain ASGI app answering ``hello`` to any HTTP request."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


class Spy:
    """An outer ASGI layer: did the inner app get this layer's own callables?"""

    def __init__(self, make_inner: Any) -> None:
        self.seen: list[tuple[str, bool]] = []
        self.outer: tuple[Receive, Send] | None = None
        self.app = make_inner(self.inner)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.outer = (receive, send)
        await self.app(scope, receive, send)

    async def inner(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen.append((scope["type"], (receive, send) == self.outer))
        if scope["type"] == "lifespan":
            for reply in ("lifespan.startup.complete", "lifespan.shutdown.complete"):
                await receive()
                await send({"type": reply})
        else:
            await hello(scope, receive, send)


def test_exports() -> None:
    assert asgi_module.__all__ == [
        "ASGIApp",
        "Message",
        "Receive",
        "Scope",
        "Send",
        "SignalsMiddleware",
    ]


def test_app_must_be_callable() -> None:
    with pytest.raises(TypeError, match=r"pass the app as the first argument .* got 'app'\."):
        SignalsMiddleware("app")  # type: ignore[arg-type]


async def test_lifespan_passes_through_untouched() -> None:
    spy = Spy(SignalsMiddleware)
    with recording() as recorder:
        async with serve(spy, lifespan="on") as url, httpx.AsyncClient() as client:
            assert (await client.get(url)).text == "hello"
        await recorder.wait_for(FINISHED)
    # startup and shutdown both ran, with the server's own receive and send
    assert spy.seen == [("lifespan", True), ("http", False)]
    assert recorder.kinds() == [STARTED, FINISHED]


async def test_without_receivers_sends_still_reach_capture() -> None:
    assert not request_started.has_listeners()
    assert not request_finished.has_listeners()
    with capture(request_started) as started, capture(request_finished) as finished:
        async with served(SignalsMiddleware(hello)) as url, httpx.AsyncClient() as client:
            await client.get(url + "/path?q=1")
    assert started.senders == finished.senders == [SignalsMiddleware]
    assert started[0].kwargs["scope"]["path"] == "/path"


async def test_sender_is_the_middleware_class_also_when_subclassed() -> None:
    class Custom(SignalsMiddleware):
        pass

    with recording() as recorder:
        async with served(Custom(hello)) as url, httpx.AsyncClient() as client:
            await client.get(url)
        await recorder.wait_for(FINISHED)
    assert [event.sender for event in recorder.events] == [SignalsMiddleware] * 2
    recorder.assert_paired(1)


def test_recorder_pairing_check_really_checks() -> None:
    recorder = Recorder()
    recorder.events.append(Event(STARTED, {}, SignalsMiddleware))
    with pytest.raises(AssertionError):
        recorder.assert_paired(1)
    recorder.events.append(Event(FINISHED, {}, SignalsMiddleware))  # another scope
    with pytest.raises(AssertionError):
        recorder.assert_paired(1)
