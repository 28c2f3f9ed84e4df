"""Connecting durable receivers: names, options, and the errors at connect time."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from fastdjango.core.signals import Signal, receiver
from fastdjango.durable import Durable
from fastdjango.durable._connect import durable_specs, find_spec, subscriptions


async def module_receiver(**kwargs: Any) -> None:
    """A receiver a worker can find by its module path."""


def sync_receiver(**kwargs: Any) -> None:
    """A plain function receiver."""


class Handlers:
    @classmethod
    async def on_event(cls, **kwargs: Any) -> None:
        """A classmethod: found through its class."""

    async def method(self, **kwargs: Any) -> None:
        """A bound method has no stable name."""


def test_default_name_is_module_and_qualname(signal_name: str) -> None:
    signal = Signal(name=signal_name)
    signal.connect(module_receiver, durable=True)
    signal.connect(Handlers.on_event, durable=True)
    names = [spec.name for spec in durable_specs(signal)]
    assert names == [
        f"{__name__}:module_receiver",
        f"{__name__}:Handlers.on_event",
    ]
    found = find_spec(signal_name, f"{__name__}:module_receiver")
    assert found is not None
    assert found[0] is signal
    assert found[1].is_async


def test_dispatch_uid_and_explicit_name(signal_name: str) -> None:
    signal = Signal(name=signal_name)
    signal.connect(module_receiver, dispatch_uid="mail", durable=True)
    signal.connect(sync_receiver, durable=Durable(name="stock", max_attempts=2))
    specs = durable_specs(signal)
    assert [(spec.name, spec.is_async) for spec in specs] == [("mail", True), ("stock", False)]
    assert specs[1].options.max_attempts == 2


def test_every_connect_form(signal_name: str) -> None:
    signal = Signal(name=signal_name)

    @signal.connect(durable=Durable(name="decorated"))
    async def decorated(**kwargs: Any) -> None: ...

    @receiver(signal, sender="shop", durable=Durable(name="via-receiver"))
    async def via_receiver(**kwargs: Any) -> None: ...

    signal.connect(sync_receiver, durable=True)
    names = [spec.name for spec in durable_specs(signal)]
    assert names == ["decorated", "via-receiver", f"{__name__}:sync_receiver"]


def test_unnamed_closure_is_refused(signal_name: str) -> None:
    signal = Signal(name=signal_name)

    async def inner(**kwargs: Any) -> None: ...

    with pytest.raises(ValueError, match="cannot be a durable receiver without a name"):
        signal.connect(inner, durable=True)
    with pytest.raises(ValueError, match="without a name"):
        signal.connect(lambda **kwargs: None, durable=True)
    with pytest.raises(ValueError, match="without a name"):
        signal.connect(Handlers().method, durable=True)
    with pytest.raises(ValueError, match="without a name"):
        signal.connect(functools.partial(module_receiver), durable=True)
    signal.connect(inner, durable=Durable(name="inner"))
    assert [spec.name for spec in durable_specs(signal)] == ["inner"]


def test_signal_without_name_is_refused() -> None:
    with pytest.raises(ValueError, match="has no name"):
        Signal().connect(module_receiver, durable=True)


def test_name_taken_by_another_receiver(signal_name: str) -> None:
    signal = Signal(name=signal_name)
    signal.connect(module_receiver, durable=Durable(name="mail"))
    signal.connect(module_receiver, sender="a", durable=Durable(name="mail"))  # same receiver
    with pytest.raises(ValueError, match="'mail' is already used by"):
        signal.connect(sync_receiver, durable=Durable(name="mail"))
    signal.disconnect(module_receiver)
    signal.disconnect(module_receiver, sender="a")
    signal.connect(sync_receiver, durable=Durable(name="mail"))  # free again


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"name": ""}, TypeError, "name"),
        ({"max_attempts": "3"}, TypeError, "max_attempts"),
        ({"max_attempts": True}, TypeError, "max_attempts"),
        ({"max_attempts": 0}, ValueError, ">= 1"),
        ({"backoff": [1, 2]}, TypeError, "backoff"),
        ({"backoff": (5.0, 1.0)}, ValueError, "first <= longest"),
        ({"timeout": "1"}, TypeError, "timeout"),
        ({"timeout": 0}, ValueError, "> 0"),
        ({"order_key": "pk"}, TypeError, "order_key"),
    ],
)
def test_bad_options(options: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Durable(**options)


def test_durable_must_be_true_or_options(signal_name: str) -> None:
    with pytest.raises(TypeError, match="durable= takes True"):
        Signal(name=signal_name).connect(module_receiver, durable={"max_attempts": 3})


def test_dispatch_uid_must_be_text(signal_name: str) -> None:
    with pytest.raises(TypeError, match="must be a non-empty string, got 42"):
        Signal(name=signal_name).connect(module_receiver, dispatch_uid=42, durable=True)


def test_subscriptions_list_connected_pairs(signal_name: str) -> None:
    signal = Signal(name=signal_name)
    signal.connect(module_receiver, durable=Durable(name="one"))
    pairs = {(item.signal, item.receiver) for item in subscriptions()}
    assert (signal_name, "one") in pairs
    signal.disconnect(module_receiver)
    assert (signal_name, "one") not in {(i.signal, i.receiver) for i in subscriptions()}
