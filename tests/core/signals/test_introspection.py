"""Looking inside a signal: name, arguments, listeners, receivers, connections."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from fastdjango.core.signals import Signal, all_signals

from .conftest import MakeReceiver
from .kinds import Handler


class User:
    pass


class Article:
    pass


def test_name_and_repr() -> None:
    named = Signal(name="order_placed")
    assert named.name == "order_placed"
    assert repr(named) == "<Signal 'order_placed'>"
    anonymous = Signal()
    assert anonymous.name is None
    assert repr(anonymous) == f"<Signal at {id(anonymous):#x}>"


def test_providing_args_is_a_tuple() -> None:
    assert Signal(["order", "user"]).providing_args == ("order", "user")
    assert Signal(providing_args=("order",)).providing_args == ("order",)
    assert Signal().providing_args == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"providing_args": "order"}, r"not the string 'order'; write providing_args=\['order'\]"),
        ({"providing_args": ["order", "not valid"]}, r"must hold argument names, got 'not valid'"),
        ({"providing_args": [1]}, r"must hold argument names, got 1\."),
        ({"name": 3}, r"A signal's name must be a string, got 3\."),
    ],
)
def test_bad_signal_arguments_are_type_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Signal(**kwargs)


def test_has_listeners(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    assert not sig.has_listeners()
    assert not sig.has_listeners(User)
    fn = make_receiver([], "fn")
    sig.connect(fn, sender=User)
    assert sig.has_listeners()
    assert sig.has_listeners(User)
    assert not sig.has_listeners(Article)
    assert not sig.has_listeners(None)
    sig.connect(fn)
    assert sig.has_listeners(Article)
    assert sig.has_listeners(None)


def test_has_listeners_ignores_dead_receivers(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    handler = Handler()
    sig.connect(handler.on_sync, sender=User)
    del handler
    gc.collect()
    assert not sig.has_listeners()
    assert not sig.has_listeners(User)


def test_live_receivers_are_in_call_order(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    first, second, third = (make_receiver([], n) for n in range(3))
    sig.connect(first, sender=User)
    sig.connect(second, priority=1)
    sig.connect(third, sender=Article, priority=2)
    assert sig.live_receivers(User) == [second, first]
    assert sig.live_receivers(Article) == [third, second]
    assert sig.live_receivers("other") == [second]
    assert sig.live_receivers() == [third, second, first]


def test_live_receivers_skip_dead_ones() -> None:
    sig = Signal()
    keep, gone = Handler(), Handler()
    sig.connect(keep.on_sync)
    sig.connect(gone.on_sync)
    del gone
    gc.collect()
    assert sig.live_receivers() == [keep.on_sync]
    assert sig.live_receivers(None) == [keep.on_sync]


def test_is_connected_follows_the_disconnect_rules(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    fn, named = make_receiver([], "fn"), make_receiver([], "named")
    sig.connect(fn)
    sig.connect(fn, sender="app.User")
    sig.connect(named, sender=User, dispatch_uid="audit")
    assert sig.is_connected(fn)
    assert sig.is_connected(fn, sender="".join(["app.", "User"]))
    assert not sig.is_connected(fn, sender=User)
    assert sig.is_connected(dispatch_uid="audit")
    assert sig.is_connected(sender=User, dispatch_uid="audit")
    assert not sig.is_connected(sender=Article, dispatch_uid="audit")
    assert not sig.is_connected(named, sender=User)  # named by its uid
    with pytest.raises(TypeError, match="pass a receiver or a dispatch_uid"):
        sig.is_connected()


def test_is_connected_is_false_for_a_dead_receiver() -> None:
    sig = Signal()
    handler = Handler()
    sig.connect(handler.on_sync, dispatch_uid="uid")
    del handler
    gc.collect()
    assert not sig.is_connected(dispatch_uid="uid")


def test_receivers_are_lookup_keys_and_references(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    handler = Handler()
    weak, strong = make_receiver([], "weak"), make_receiver([], "strong")
    sig.connect(weak)
    sig.connect(strong, sender=User, weak=False)
    sig.connect(handler.on_sync, sender="app.User", dispatch_uid="uid")
    keys = [key for key, _ in sig.receivers]
    assert [key[0] for key in keys] == [None, id(User), "app.User"]
    assert keys[2][1] == "uid"
    assert [ref() for _, ref in sig.receivers] == [weak, strong, handler.on_sync]
    assert len(sig.receivers) == 3


def test_receivers_give_none_for_a_dead_receiver_until_pruned() -> None:
    sig = Signal()
    handler = Handler()
    sig.connect(handler.on_sync)
    [(_, ref)] = sig.receivers
    del handler
    gc.collect()
    assert ref() is None
    assert sig.receivers == []


def test_connections_describe_each_connection() -> None:
    sig = Signal()
    handler = Handler()
    sig.connect(handler.on_async, sender=User, dispatch_uid="uid", priority=4)
    sig.connect(Handler.static_sync, weak=False)
    first, second = sig.connections()
    assert first.name == f"{Handler.on_async.__module__}.Handler.on_async of Handler object"
    assert (first.weak, first.dispatch_uid, first.priority) == (True, "uid", 4)
    assert (first.is_async, first.on_commit) == (True, False)
    assert first.sender.description == f"{__name__}.User"
    assert first.sender.sender() is User
    assert second.sender.description == "any sender"
    assert second.sender.sender() is None
    assert "Handler.static_sync" in repr(second)


def test_all_signals_lists_live_signals_in_creation_order() -> None:
    first, second = Signal(name="first"), Signal(name="second")
    signals = all_signals()
    assert signals.index(first) < signals.index(second)
    del first, signals
    gc.collect()
    assert all(sig.name != "first" for sig in all_signals())


def test_connection_references_describe_themselves() -> None:
    sig = Signal()
    handler = Handler()

    def weak_fn(sender: object, **kwargs: Any) -> None: ...

    sig.connect(weak_fn)
    sig.connect(handler.on_sync)
    sig.connect(Handler.static_sync, weak=False)
    refs = [repr(conn.ref) for conn in sig.connections()]
    assert "weak_fn" in refs[0]
    assert "Handler.on_sync" in refs[1]
    assert refs[1].endswith("(alive)>")
    assert refs[2].startswith("<strong reference to ")
    assert "static_sync" in refs[2]
    assert [c.warn_on_death for c in sig.connections()] == [True, False, False]
    method_ref = sig.connections()[1].ref
    del handler
    gc.collect()
    assert repr(method_ref).endswith("(dead)>")


def test_connections_can_include_the_dead_not_yet_pruned() -> None:
    sig = Signal()
    handler = Handler()
    sig.connect(handler.on_sync)
    del handler
    gc.collect()
    [dead] = sig.connections(include_dead=True)
    assert dead.dead
    assert sig.connections() == []


def test_sender_checks_validate_new_and_existing_senders() -> None:
    sig = Signal()
    checked: list[object] = []

    def only_classes(sender: object) -> None:
        checked.append(sender)
        if sender is not None and not isinstance(sender, type):
            raise TypeError(f"sender must be a class, got {sender!r}.")

    def fn(sender: object, **kwargs: Any) -> None: ...

    sig.connect(fn, sender=User)
    sig.add_sender_check(only_classes)
    sig.add_sender_check(only_classes)  # added once
    assert checked == [User]
    sig.connect(fn)
    with pytest.raises(TypeError, match="sender must be a class, got 'x'"):
        sig.connect(fn, sender="x")
    assert checked == [User, None, "x"]
    assert not sig.is_connected(fn, sender="x")
