"""How receivers and senders are named: low cardinality, computed once."""

from __future__ import annotations

import functools
import gc
from typing import Any

from fastdjango.contrib.otel._names import NAMES, Names, qualified_name
from fastdjango.core.signals import Signal, alias_sender

HERE = __name__


def on_event(**kwargs: Any) -> None:
    pass


class Listener:
    def on_event(self, **kwargs: Any) -> None:
        pass

    def __call__(self, **kwargs: Any) -> None:
        pass


class Model:
    pass


def test_functions_are_named_by_module_and_qualname() -> None:
    assert NAMES.receiver(on_event) == f"{HERE}.on_event"


def test_bound_methods_are_named_by_their_function_whatever_the_instance() -> None:
    first, second = Listener(), Listener()
    assert NAMES.receiver(first.on_event) == f"{HERE}.Listener.on_event"
    assert NAMES.receiver(second.on_event) == NAMES.receiver(first.on_event)


def test_partials_and_callable_objects_are_named_by_what_they_call() -> None:
    assert NAMES.receiver(functools.partial(on_event, extra=1)) == f"{HERE}.on_event"
    assert NAMES.receiver(Listener()) == f"{HERE}.Listener"


def test_builtins_have_names_too() -> None:
    assert NAMES.receiver(print) == "builtins.print"
    assert qualified_name([].append) == "list.append"


def test_receiver_names_are_computed_once() -> None:
    names = Names()
    assert names.receiver(on_event) is names.receiver(on_event)


def test_a_cached_name_never_names_a_new_object_with_the_same_id() -> None:
    names = Names()

    def make(label: str) -> Any:
        def receiver(**kwargs: Any) -> None:
            pass

        receiver.__qualname__ = label
        return receiver

    first = make("first")
    assert names.receiver(first).endswith(".first")
    key = id(first)
    del first
    gc.collect()
    assert key not in names._receivers._entries  # forgotten with the function
    for _ in range(100):
        other = make("other")
        assert names.receiver(other).endswith(".other")


def test_value_senders_name_themselves() -> None:
    assert NAMES.sender("myapp.auth") == "myapp.auth"
    assert NAMES.sender(7) == "7"
    assert NAMES.sender(b"raw") == "b'raw'"
    assert NAMES.sender(None) == "None"


def test_class_senders_use_their_label_or_qualified_name() -> None:
    class Labelled:
        pass

    assert NAMES.sender(Model) == f"{HERE}.Model"
    assert NAMES.sender(Labelled).endswith("Labelled")
    alias_sender("otel_tests.Labelled", Labelled)
    assert NAMES.sender(Labelled) == "otel_tests.Labelled"  # a new label clears the cache


def test_object_senders_are_named_by_their_type() -> None:
    assert NAMES.sender(Model()) == f"{HERE}.Model"
    assert NAMES.sender(object()) == "builtins.object"  # not weakly referenceable


def test_signal_names() -> None:
    assert Names.signal(Signal(name="order_placed")) == "order_placed"
    assert Names.signal(Signal()) is None
