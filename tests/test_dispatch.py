"""``fastdjango.dispatch``: the port target of ``django.dispatch``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import fastdjango.dispatch
from fastdjango.core.signals import BUILTIN_SIGNALS, post_save
from fastdjango.core.signals import Signal as CoreSignal
from fastdjango.core.signals import receiver as core_receiver
from fastdjango.dispatch import Signal, receiver


class Pizza:
    pass


def test_dispatch_exports_a_django_signal_and_the_receiver_decorator() -> None:
    assert issubclass(Signal, CoreSignal)
    assert receiver is core_receiver
    assert fastdjango.dispatch.__all__ == ["Signal", "receiver"]
    assert all(type(sig) is CoreSignal for sig in BUILTIN_SIGNALS)
    assert asyncio.iscoroutinefunction(post_save.send)


def test_django_code_sends_synchronously_as_written() -> None:
    pizza_done = Signal(use_caching=True)
    calls: list[dict[str, Any]] = []

    @receiver(pizza_done, sender=Pizza)
    def on_pizza(sender: object, **kwargs: Any) -> str:
        calls.append(kwargs)
        return "eaten"

    @receiver(pizza_done)
    async def also_async(sender: object, **kwargs: Any) -> str:
        return "noted"

    for _ in range(2):  # the second send takes the fast path
        assert pizza_done.send(sender=Pizza, toppings=["olive"]) == [
            (on_pizza, "eaten"),
            (also_async, "noted"),
        ]
    assert calls == [{"signal": pizza_done, "toppings": ["olive"]}] * 2
    failed = pizza_done.send_robust(sender=Pizza, toppings=None)
    assert [response for _, response in failed] == ["eaten", "noted"]


def test_send_robust_returns_the_exception_as_in_django() -> None:
    sig = Signal()

    @receiver(sig)
    def broken(sender: object, **kwargs: Any) -> None:
        raise LookupError("no oven")

    for _ in range(2):
        ((rec, error),) = sig.send_robust(sender=Pizza)
        assert rec is broken
        assert isinstance(error, LookupError)


async def test_asend_is_the_async_send_and_send_refuses_to_block_a_loop() -> None:
    sig = Signal()

    @receiver(sig)
    async def bake(sender: object, **kwargs: Any) -> str:
        await asyncio.sleep(0)
        return "baked"

    for _ in range(2):
        assert await sig.asend(sender=Pizza) == [(bake, "baked")]
        assert await sig.asend_robust(sender=Pizza) == [(bake, "baked")]
        with pytest.raises(RuntimeError, match=r"use 'await signal\.send"):
            sig.send(sender=Pizza)
        with pytest.raises(RuntimeError, match=r"use 'await signal\.send"):
            sig.send_robust(sender=Pizza)


async def test_sync_receivers_can_be_sent_to_from_inside_a_loop() -> None:
    sig = Signal()

    @receiver(sig)
    def note(sender: object, **kwargs: Any) -> str:
        return "noted"

    for _ in range(2):
        assert sig.send(sender=Pizza) == [(note, "noted")]
