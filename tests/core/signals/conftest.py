"""Fixtures shared by the dispatcher tests: receivers and send front doors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol

import pytest

from fastdjango.core.signals import BUILTIN_SIGNALS, Signal

from .seed_support import Article, AuditLog, Comment, Order, Profile, User

Responses = list[tuple[Callable[..., Any], Any]]


class MakeReceiver(Protocol):
    """Build a receiver that appends ``label`` to ``log`` when called."""

    def __call__(
        self,
        log: list[Any],
        label: object = ...,
        *,
        result: object = ...,
        error: BaseException | None = ...,
    ) -> Callable[..., Any]: ...


class Send(Protocol):
    """One of the four send front doors, awaitable from an async test."""

    def __call__(self, signal: Signal, sender: object, /, **named: Any) -> Awaitable[Responses]: ...


def make_sync_receiver(
    log: list[Any],
    label: object = None,
    *,
    result: object = None,
    error: BaseException | None = None,
) -> Callable[..., Any]:
    """A plain function receiver (see :class:`MakeReceiver`)."""

    def sync_receiver(sender: object, **kwargs: Any) -> object:
        log.append(label)
        if error is not None:
            raise error
        return result

    return sync_receiver


def make_async_receiver(
    log: list[Any],
    label: object = None,
    *,
    result: object = None,
    error: BaseException | None = None,
) -> Callable[..., Any]:
    """An ``async def`` receiver (see :class:`MakeReceiver`)."""

    async def async_receiver(sender: object, **kwargs: Any) -> object:
        log.append(label)
        if error is not None:
            raise error
        return result

    return async_receiver


@pytest.fixture(params=["sync", "async"])
def make_receiver(request: pytest.FixtureRequest) -> MakeReceiver:
    """Receivers of each kind: plain functions and ``async def`` functions."""
    return make_sync_receiver if request.param == "sync" else make_async_receiver


async def send_async(signal: Signal, sender: object, /, **named: Any) -> Responses:
    return await signal.send(sender, **named)


async def send_robust_async(signal: Signal, sender: object, /, **named: Any) -> Responses:
    return await signal.send_robust(sender, **named)


async def send_sync_in_thread(signal: Signal, sender: object, /, **named: Any) -> Responses:
    # A worker thread has no running loop, so async receivers run to completion.
    return await asyncio.to_thread(signal.send_sync, sender, **named)


async def send_robust_sync_in_thread(signal: Signal, sender: object, /, **named: Any) -> Responses:
    return await asyncio.to_thread(signal.send_robust_sync, sender, **named)


@pytest.fixture(
    params=[send_async, send_robust_async, send_sync_in_thread, send_robust_sync_in_thread],
    ids=["send", "send_robust", "send_sync", "send_robust_sync"],
)
def send(request: pytest.FixtureRequest) -> Send:
    """Each front door; all of them walk receivers the same way."""
    front_door: Send = request.param
    return front_door


@pytest.fixture
def isolate_builtins() -> Iterator[None]:
    """Disconnect every connection a test makes to a built-in signal.

    The seed examples connect to the real built-in signals; this keeps them
    from leaking into other tests.
    """
    before = {sig: set(sig.connections()) for sig in BUILTIN_SIGNALS}
    AuditLog.rows.clear()
    for model in (User, Article, Comment, Order, Profile):
        model.created.clear()
    yield
    for sig in BUILTIN_SIGNALS:
        for conn in sig.connections():
            if conn in before[sig]:
                continue
            sender = conn.sender.sender()
            if conn.dispatch_uid is not None:
                sig.disconnect(sender=sender, dispatch_uid=conn.dispatch_uid)
            elif (fn := conn.ref()) is not None:
                sig.disconnect(fn, sender=sender)
