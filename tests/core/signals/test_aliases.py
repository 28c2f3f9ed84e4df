"""Sender aliases: a label such as "models.Post" stands for the object it names."""

from __future__ import annotations

import gc
import itertools
from typing import Any

import pytest

from fastdjango.core.signals import Signal, alias_sender, resolve_alias
from fastdjango.core.signals._aliases import aliases_of

from .conftest import MakeReceiver, Send

_labels = itertools.count()


def new_label() -> str:
    """A label no other test uses: the alias registry is process-wide."""
    return f"tests.Model{next(_labels)}"


async def test_a_label_connected_before_registration_receives_the_named_senders_sends(
    make_receiver: MakeReceiver, send: Send
) -> None:
    class Post:
        pass

    sig, label = Signal(), new_label()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender=label)
    await send(sig, Post)
    assert log == []
    alias_sender(label, Post)
    await send(sig, Post)
    await send(sig, label)
    assert log == ["fn", "fn"]
    assert sig.has_listeners(Post)
    assert resolve_alias(label) is Post
    assert aliases_of(Post) == [label]


async def test_a_label_connected_after_registration_works_too(send: Send) -> None:
    class Post:
        pass

    sig, label = Signal(), new_label()
    alias_sender(label, Post)
    alias_sender(label, Post)  # registering again changes nothing
    seen: list[object] = []

    def fn(sender: object, **kwargs: Any) -> None:
        seen.append(sender)

    sig.connect(fn, sender=label)
    await send(sig, Post)
    assert seen == [Post]


def test_repointing_a_label_moves_its_connections() -> None:
    class Old:
        pass

    class New:
        pass

    sig, label = Signal(), new_label()

    def fn(sender: object, **kwargs: Any) -> str:
        return "fn"

    alias_sender(label, Old)
    sig.connect(fn, sender=label)
    assert sig.send_sync(Old) == [(fn, "fn")]
    alias_sender(label, New)
    assert sig.send_sync(Old) == []
    assert sig.send_sync(New) == [(fn, "fn")]


def test_a_dead_target_no_longer_matches() -> None:
    class Post:
        pass

    sig, label = Signal(), new_label()

    def fn(sender: object, **kwargs: Any) -> None: ...

    alias_sender(label, Post)
    sig.connect(fn, sender=label)
    del Post
    gc.collect()
    assert resolve_alias(label) is None
    assert sig.live_receivers(label) == [fn]


def test_a_target_that_cannot_be_weakly_referenced_is_kept() -> None:
    target, label = object(), new_label()
    alias_sender(label, target)
    assert resolve_alias(label) is target


@pytest.mark.parametrize("label", ["", 3, None])
def test_a_label_must_be_a_non_empty_string(label: Any) -> None:
    with pytest.raises(TypeError, match="A sender alias must be a non-empty string, got"):
        alias_sender(label, object)


def test_an_unknown_label_resolves_to_none() -> None:
    assert resolve_alias(new_label()) is None
