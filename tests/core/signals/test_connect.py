"""Connecting: every form, every receiver kind, priority and connect-time errors."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from fastdjango.core.signals import Signal, receiver

from .conftest import MakeReceiver, Send
from .kinds import KIND_LABELS, Handler, Unweakrefable, receiver_kinds, sync_function


class User:
    pass


class Article:
    pass


async def test_plain_connect_receives_every_sender(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn)
    await send(sig, User)
    await send(sig, "anything")
    await send(sig, None)
    assert log == ["fn", "fn", "fn"]


async def test_connect_with_sender_receives_only_that_sender(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender=User)
    await send(sig, Article)
    await send(sig, User())
    assert log == []
    await send(sig, User)
    assert log == ["fn"]


async def test_sender_may_be_passed_positionally(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    sig.connect(make_receiver(log, "fn"), User, False)
    await send(sig, User)
    assert log == ["fn"]
    assert sig.connections()[0].weak is False


async def test_weak_false_keeps_a_closure_alive(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    sig.connect(make_receiver(log, "closure"), sender=User, weak=False)
    gc.collect()
    await send(sig, User)
    assert log == ["closure"]


async def test_bare_decorator_connects_and_returns_the_function(send: Send) -> None:
    sig = Signal()
    log: list[Any] = []

    @sig.connect
    def on_any(sender: object, **kwargs: Any) -> None:
        log.append(sender)

    assert on_any.__name__ == "on_any"
    await send(sig, User)
    assert log == [User]


async def test_decorator_with_options_connects_and_returns_the_function(send: Send) -> None:
    sig = Signal()
    log: list[Any] = []

    def on_user(sender: object, **kwargs: Any) -> None:
        log.append(sender)

    decorated = sig.connect(sender=User, weak=False)(on_user)
    assert decorated is on_user
    del on_user, decorated
    gc.collect()
    await send(sig, Article)
    await send(sig, User)
    assert log == [User]
    (conn,) = sig.connections()
    assert (conn.weak, conn.sender.sender()) == (False, User)


def test_decorator_with_empty_parentheses() -> None:
    sig = Signal()

    @sig.connect()
    def on_any(sender: object, **kwargs: Any) -> str:
        return "called"

    assert sig.send_sync(None) == [(on_any, "called")]


async def test_receiver_decorator_with_one_signal(send: Send) -> None:
    sig = Signal()
    log: list[Any] = []

    @receiver(sig, sender=User)
    def on_user(sender: object, **kwargs: Any) -> None:
        log.append(sender)

    assert on_user.__name__ == "on_user"
    await send(sig, Article)
    await send(sig, User)
    assert log == [User]


async def test_receiver_decorator_with_a_list_of_signals(send: Send) -> None:
    first, second = Signal(), Signal()
    log: list[Any] = []

    @receiver([first, second], sender=User)
    def on_either(sender: object, signal: Signal, **kwargs: Any) -> None:
        log.append(signal)

    await send(first, User)
    await send(second, User)
    assert log == [first, second]
    assert on_either.__name__ == "on_either"


async def test_stacked_receiver_decorators_connect_every_sender(send: Send) -> None:
    sig = Signal()
    log: list[Any] = []

    @receiver(sig, sender=User)
    @receiver(sig, sender=Article)
    def log_save(sender: object, **kwargs: Any) -> None:
        log.append(sender)

    await send(sig, User)
    await send(sig, Article)
    await send(sig, "other")
    assert log == [User, Article]
    assert len(sig.receivers) == 2


def test_receiver_passes_every_option_through() -> None:
    sig = Signal()

    @receiver(sig, sender=User, weak=False, dispatch_uid="uid", priority=5)
    def handler(sender: object, **kwargs: Any) -> None: ...

    (conn,) = sig.connections()
    assert (conn.weak, conn.dispatch_uid, conn.priority) == (False, "uid", 5)
    assert conn.sender.sender() is User


@pytest.mark.parametrize("bad", [object(), [], [Signal(), "post_save"]])
def test_receiver_refuses_anything_but_signals(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"receiver\(\) takes a Signal or a list of Signals"):
        receiver(bad)


async def test_connecting_twice_keeps_one_connection(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender=User)
    sig.connect(fn, sender=User)
    assert len(sig.receivers) == 1
    await send(sig, User)
    assert log == ["fn"]


async def test_same_receiver_for_two_senders_makes_two_connections(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender=User)
    sig.connect(fn, sender=Article)
    assert len(sig.receivers) == 2
    await send(sig, User)
    await send(sig, Article)
    assert log == ["fn", "fn"]


async def test_same_receiver_for_any_sender_and_one_sender_runs_twice_for_that_sender(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn)
    sig.connect(fn, sender=User)
    await send(sig, User)
    assert log == ["fn", "fn"]


async def test_second_connect_with_the_same_dispatch_uid_is_ignored(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    first, second = make_receiver(log, "first"), make_receiver(log, "second")
    sig.connect(first, sender=User, dispatch_uid="uid")
    sig.connect(second, sender=User, dispatch_uid="uid")
    sig.connect(first, sender=User, dispatch_uid="uid")
    await send(sig, User)
    assert log == ["first"]


async def test_same_dispatch_uid_for_two_senders_makes_two_connections(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    sig.connect(make_receiver(log, "user"), sender=User, weak=False, dispatch_uid="uid")
    sig.connect(make_receiver(log, "article"), sender=Article, weak=False, dispatch_uid="uid")
    await send(sig, User)
    await send(sig, Article)
    assert log == ["user", "article"]


async def test_a_dispatch_uid_and_a_plain_connection_of_one_receiver_coexist(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn)
    sig.connect(fn, dispatch_uid="uid")
    await send(sig, None)
    assert log == ["fn", "fn"]


async def test_higher_priority_runs_earlier_and_ties_keep_connection_order(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    keep = [
        make_receiver(log, label) for label in ("low", "default-1", "high", "default-2", "negative")
    ]
    sig.connect(keep[0], priority=1)
    sig.connect(keep[1])
    sig.connect(keep[2], priority=10)
    sig.connect(keep[3], sender=User)
    sig.connect(keep[4], priority=-5)
    await send(sig, User)
    assert log == ["high", "low", "default-1", "default-2", "negative"]


async def test_reconnecting_after_disconnect_moves_to_the_end(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    first, second = make_receiver(log, "first"), make_receiver(log, "second")
    sig.connect(first)
    sig.connect(second)
    sig.disconnect(first)
    sig.connect(first)
    await send(sig, None)
    assert log == ["second", "first"]


@pytest.mark.parametrize("label", KIND_LABELS)
async def test_every_receiver_kind_is_called_with_signal_sender_and_arguments(
    label: str, send: Send
) -> None:
    sig = Signal()
    kinds = receiver_kinds()
    fn, _ = kinds[label]
    sig.connect(fn)
    gc.collect()  # weak connections of every kind survive while the object lives
    [(called, response)] = await send(sig, User, extra=1)
    assert called == fn
    assert response == (label, User, {"signal": sig, "extra": 1})


@pytest.mark.parametrize("label", KIND_LABELS)
def test_every_receiver_kind_is_recognised_as_sync_or_async(label: str) -> None:
    sig = Signal()
    kinds = receiver_kinds()
    fn, is_async = kinds[label]
    sig.connect(fn)
    assert sig.connections()[0].is_async is is_async


@pytest.mark.parametrize("label", KIND_LABELS)
def test_connecting_a_receiver_kind_twice_keeps_one_connection(label: str) -> None:
    sig = Signal()
    kinds = receiver_kinds()
    sig.connect(kinds[label][0])
    sig.connect(kinds[label][0])
    assert len(sig.receivers) == 1


def test_two_instances_bound_methods_are_two_receivers() -> None:
    sig = Signal()
    first, second = Handler(), Handler()
    sig.connect(first.on_sync)
    sig.connect(second.on_sync)
    sig.connect(first.on_sync)
    assert len(sig.receivers) == 2


@pytest.mark.parametrize("bad", [42, "handler", object()])
def test_a_non_callable_receiver_is_a_type_error(bad: Any) -> None:
    sig = Signal()
    with pytest.raises(TypeError, match=r"Signal receivers must be callable, got"):
        sig.connect(bad)


def test_a_receiver_without_kwargs_is_a_value_error_naming_it() -> None:
    sig = Signal()

    def no_kwargs(sender: object) -> None: ...

    with pytest.raises(
        ValueError, match=r"no_kwargs must accept keyword arguments \(add '\*\*kwargs'"
    ):
        sig.connect(no_kwargs)
    assert not sig.receivers


class Strict:
    def handle(self, sender: object) -> None: ...


class Slotted:
    __slots__ = ()

    def handle(self, sender: object, **kwargs: Any) -> None: ...


def test_a_method_without_kwargs_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"test_connect\.Strict\.handle of .*Strict object must"):
        Signal().connect(Strict().handle)


def test_a_decorated_receiver_without_kwargs_fails_at_decoration() -> None:
    sig = Signal()
    with pytest.raises(ValueError, match="must accept keyword arguments"):

        @receiver(sig)
        def no_kwargs(sender: object) -> None: ...


def test_a_receiver_without_an_introspectable_signature_is_trusted() -> None:
    sig = Signal()
    sig.connect(vars, weak=False)  # some builtins hide their signature
    assert sig.is_connected(vars)


def test_an_unweakrefable_receiver_with_weak_true_is_a_type_error_saying_weak_false() -> None:
    sig = Signal()
    with pytest.raises(TypeError, match=r"Cannot connect .*Unweakrefable.* Pass weak=False"):
        sig.connect(Unweakrefable())
    assert not sig.receivers


def test_an_unweakrefable_receiver_with_weak_false_works() -> None:
    sig = Signal()
    fn = Unweakrefable()
    sig.connect(fn, weak=False)
    assert sig.send_sync(User) == [(fn, ("unweakrefable", User, {"signal": sig}))]


def test_a_bound_method_of_an_unweakrefable_object_with_weak_true_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"objects of type 'Slotted' cannot be weakly.*weak=False"):
        Signal().connect(Slotted().handle)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"weak": "yes"}, r"weak must be True or False, got 'yes'\."),
        ({"priority": "1"}, r"priority must be an int \(higher runs earlier\), got '1'\."),
        ({"priority": True}, r"priority must be an int"),
        (
            {"dispatch_uid": ["x"]},
            r"dispatch_uid must be hashable \(a string, say\), got \['x'\]\.",
        ),
        ({"on_commit": 1}, r"on_commit must be True or False, got 1\."),
    ],
)
def test_wrong_connect_options_are_type_errors(options: dict[str, Any], message: str) -> None:
    sig = Signal()
    with pytest.raises(TypeError, match=message):
        sig.connect(sync_function, **options)
    with pytest.raises(TypeError, match=message):
        receiver(sig, **options)
    assert not sig.receivers
