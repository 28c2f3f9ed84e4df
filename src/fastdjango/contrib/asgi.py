"""Request signals for any ASGI app: :class:`SignalsMiddleware`.

::

    from fastapi import FastAPI
    from fastdjango.contrib.asgi import SignalsMiddleware

    app = FastAPI()
    app.add_middleware(SignalsMiddleware)      # or: app = SignalsMiddleware(app)

For every HTTP request and every WebSocket connection the middleware sends

* ``request_started(sender=SignalsMiddleware, scope=scope)`` before the app runs;
* ``got_request_exception(sender=SignalsMiddleware, scope=scope, exception=exc)``
  when the app raises, before the exception propagates unchanged;
* ``request_finished(sender=SignalsMiddleware, scope=scope)`` exactly once,
  when the exchange is over.

The three carry the very same ``scope`` object for one connection, so
``scope`` (or ``id(scope)`` while the connection lasts) tells requests apart.
Receivers run through ``send_robust``: a failing receiver is logged on the
``fastdjango.signals`` logger and never changes the response.

The middleware is pure ASGI and imports no framework.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final

from fastdjango.core.signals import got_request_exception, request_finished, request_started

__all__ = ["ASGIApp", "Message", "Receive", "Scope", "Send", "SignalsMiddleware"]

#: The connection scope an ASGI server passes to the app.
Scope = MutableMapping[str, Any]
#: One ASGI event, received or sent.
Message = MutableMapping[str, Any]
#: The server's ``receive`` callable.
Receive = Callable[[], Awaitable[Message]]
#: The server's ``send`` callable.
Send = Callable[[Message], Awaitable[None]]
#: An ASGI 3 application.
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_EXCHANGES: Final = frozenset({"http", "websocket"})
# What the server hands to ``receive`` when the peer is gone.
_DISCONNECTS: Final = frozenset({"http.disconnect", "websocket.disconnect"})
# Messages that end the app's side of the exchange whatever their content...
_LAST_ALWAYS: Final = frozenset({"http.response.pathsend", "websocket.close"})
# ...and those that end it unless they announce more to come.
_LAST_UNLESS_MORE: Final = frozenset(
    {"http.response.body", "http.response.zerocopysend", "websocket.http.response.body"}
)

# finished-sends running detached from a cancelled caller (see _Exchange.end_early).
_detached: set[asyncio.Task[None]] = set()


class SignalsMiddleware:
    """ASGI middleware sending ``request_started``, ``request_finished`` and
    ``got_request_exception`` for every HTTP request and WebSocket connection.

    Args:
        app: the ASGI application to wrap (first, as Starlette's
            ``add_middleware`` passes it).

    Raises:
        TypeError: ``app`` is not callable.

    The sender of all three signals is this class, ``SignalsMiddleware``
    (also when it is subclassed). ``request_finished`` is sent exactly once per
    connection, at the first of:

    * the app returns or raises (after ``got_request_exception`` when it
      raises), so work the app does after the response, such as Starlette
      background tasks, is done first;
    * the peer goes away before the app has sent its last message (the
      final body chunk, or ``websocket.close``): ``receive`` hands the app an
      ``http.disconnect`` or ``websocket.disconnect``, or ``send`` raises
      ``OSError``. The app may still be running then; if it later raises,
      ``got_request_exception`` is still sent, after ``request_finished``.

    Lifespan scopes (and any other scope type) pass straight through.

    With no receiver connected, a send costs about one coroutine call (the
    dispatcher's fast path), so the middleware does not check for listeners
    first: checking costs more than sending (see
    ``python -m benchmarks.asgi_overhead``) and every connection keeps the same
    exactly-once pairing.
    """

    def __init__(self, app: ASGIApp) -> None:
        if not callable(app):
            raise TypeError(
                f"SignalsMiddleware wraps an ASGI app: pass the app as the first argument "
                f"(SignalsMiddleware(app) or app.add_middleware(SignalsMiddleware)), got {app!r}."
            )
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app for one connection, sending the request signals around it."""
        if scope["type"] not in _EXCHANGES:
            await self.app(scope, receive, send)
            return
        exchange = _Exchange(scope, receive, send)
        try:
            await request_started.send_robust(SignalsMiddleware, scope=scope)
            await self.app(scope, exchange.receive, exchange.send)
        except Exception as exc:
            await got_request_exception.send_robust(SignalsMiddleware, scope=scope, exception=exc)
            raise
        finally:
            await exchange.end()


class _Exchange:
    """One connection's state: has the app sent its last message, is it over."""

    __slots__ = ("_receive", "_send", "complete", "over", "scope")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.complete = False  # the app has sent its last message
        self.over = False  # request_finished has been (or is being) sent

    async def receive(self) -> Message:
        message = await self._receive()
        if not self.complete and message["type"] in _DISCONNECTS:
            await self.end_early()
        return message

    async def send(self, message: Message) -> None:
        try:
            await self._send(message)
        except OSError:
            # ASGI 2.4: a send on a closed connection raises an OSError.
            if not self.complete:
                await self.end_early()
            raise
        kind = message["type"]
        if kind in _LAST_ALWAYS or (kind in _LAST_UNLESS_MORE and not message.get("more_body")):
            self.complete = True

    async def end(self) -> None:
        """Send ``request_finished`` unless it was already sent."""
        if self.over:
            return
        self.over = True
        await self._finished()

    async def end_early(self) -> None:
        """``end()`` from inside the app's ``receive`` or ``send``.

        The app may cancel the task that called them (Starlette's streaming
        response cancels its disconnect listener as soon as the body is done),
        which must not cut the receivers short: they run in their own task,
        shielded.
        """
        if self.over:
            return
        self.over = True
        task = asyncio.ensure_future(self._finished())
        _detached.add(task)
        task.add_done_callback(_detached.discard)
        await asyncio.shield(task)

    async def _finished(self) -> None:
        await request_finished.send_robust(SignalsMiddleware, scope=self.scope)
