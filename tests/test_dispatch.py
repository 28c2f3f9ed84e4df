"""``fastdjango.dispatch``: the Django-style import path."""

from __future__ import annotations

from typing import Any

import fastdjango.dispatch
from fastdjango.core.signals import Signal as CoreSignal
from fastdjango.core.signals import receiver as core_receiver
from fastdjango.dispatch import Signal, receiver


def test_dispatch_reexports_signal_and_receiver() -> None:
    assert Signal is CoreSignal
    assert receiver is core_receiver
    assert fastdjango.dispatch.__all__ == ["Signal", "receiver"]


def test_django_style_code_runs_unchanged() -> None:
    pizza_done = Signal()
    calls: list[dict[str, Any]] = []

    @receiver(pizza_done)
    def on_pizza(sender: object, **kwargs: Any) -> str:
        calls.append(kwargs)
        return "eaten"

    assert pizza_done.send_sync(sender="kitchen", toppings=["olive"]) == [(on_pizza, "eaten")]
    assert calls == [{"signal": pizza_done, "toppings": ["olive"]}]
