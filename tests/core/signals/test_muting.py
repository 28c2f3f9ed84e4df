"""Context-local muting and temporary connections."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

import pytest

from fastdjango.core.signals import Signal, muted

from .conftest import MakeReceiver, Send
from .kinds import Handler


class User:
    pass


class Article:
    pass


def options(sig: Signal) -> list[tuple[object, ...]]:
    """What a connection is: receiver, sender, weak, uid, priority, position."""
    return [
        (c.ref(), c.sender.sender(), c.weak, c.dispatch_uid, c.priority) for c in sig.connections()
    ]


async def test_muting_a_signal_silences_every_receiver_and_leaves_connections(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    first, second = make_receiver(log, "first"), make_receiver(log, "second")
    sig.connect(first, priority=3)
    sig.connect(second, sender=User, weak=False, dispatch_uid="uid")
    before = options(sig)
    with sig.muted():
        assert await send(sig, User) == []
        assert options(sig) == before
    assert options(sig) == before
    await send(sig, User)
    assert log == ["first", "second"]


async def test_muting_one_receiver_skips_it_for_every_sender(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    quiet, loud = make_receiver(log, "quiet"), make_receiver(log, "loud")
    sig.connect(quiet)
    sig.connect(quiet, sender=User)
    sig.connect(loud)
    with sig.muted(quiet):
        await send(sig, User)
        await send(sig, Article)
    assert log == ["loud", "loud"]


async def test_muting_a_receiver_for_one_sender(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn)
    with sig.muted(fn, sender=User):
        await send(sig, User)
        await send(sig, Article)
        await send(sig, "app.User")
    assert log == ["fn", "fn"]


async def test_muting_everything_a_sender_sends(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    keep = [make_receiver(log, "any"), make_receiver(log, "user")]
    sig.connect(keep[0])
    sig.connect(keep[1], sender=User)
    with sig.muted(sender=User):
        await send(sig, User)
        await send(sig, Article)
    assert log == ["any"]


async def test_muting_by_dispatch_uid(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    keep = [make_receiver(log, "named"), make_receiver(log, "other")]
    sig.connect(keep[0], sender=User, dispatch_uid="audit")
    sig.connect(keep[1], sender=User)
    with sig.muted(dispatch_uid="audit"):
        await send(sig, User)
    assert log == ["other"]


async def test_muting_a_bound_method_through_a_fresh_bound_method() -> None:
    sig = Signal()
    handler = Handler()
    sig.connect(handler.on_sync)
    sig.connect(handler.on_async)
    with sig.muted(handler.on_sync):
        [(called, _)] = await sig.send(None)
    assert called == handler.on_async


async def test_module_level_muted_silences_the_given_signals(
    make_receiver: MakeReceiver, send: Send
) -> None:
    first, second, third = Signal(), Signal(), Signal()
    log: list[Any] = []
    fns = {sig: make_receiver(log, name) for sig, name in ((first, 1), (second, 2), (third, 3))}
    for sig, fn in fns.items():
        sig.connect(fn)
    with muted(first, second):
        for sig in fns:
            await send(sig, None)
    assert log == [3]


async def test_module_level_muted_without_arguments_silences_every_signal(
    make_receiver: MakeReceiver, send: Send
) -> None:
    log: list[Any] = []
    with muted():
        created_inside = Signal()
        fn = make_receiver(log, "fn")
        created_inside.connect(fn)
        await send(created_inside, None)
    assert log == []
    await send(created_inside, None)
    assert log == ["fn"]


def test_muting_needs_signals_and_receivers() -> None:
    bad: Any = "post_save"
    with pytest.raises(TypeError, match=r"muted\(\) takes Signal objects, got 'post_save'\."):
        muted(bad)
    with pytest.raises(TypeError, match=r"muted\(\) takes a receiver \(a callable\), got 42\."):
        Signal().muted(42)  # type: ignore[arg-type]


async def test_muting_does_not_reach_concurrent_tasks() -> None:
    sig = Signal()
    log: list[str] = []

    async def fn(sender: object, **kwargs: Any) -> None:
        log.append(str(sender))

    sig.connect(fn)
    inside, done = asyncio.Event(), asyncio.Event()

    async def muting_task() -> None:
        with sig.muted():
            inside.set()
            await sig.send("muted task")
            await done.wait()
            await sig.send("muted task, later")

    async def other_task() -> None:
        await inside.wait()
        await sig.send("other task")
        done.set()

    await asyncio.gather(muting_task(), other_task())
    assert log == ["other task"]


def test_muting_does_not_reach_other_threads() -> None:
    sig = Signal()
    log: list[str] = []

    def fn(sender: object, **kwargs: Any) -> None:
        log.append(str(sender))

    sig.connect(fn)
    with sig.muted():
        thread = threading.Thread(target=sig.send_sync, args=("thread",))
        thread.start()
        thread.join()
        sig.send_sync("muted")
    assert log == ["thread"]


async def test_mutes_nest(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    first, second = make_receiver(log, "first"), make_receiver(log, "second")
    sig.connect(first)
    sig.connect(second)
    with sig.muted(first):
        with sig.muted(second):
            await send(sig, None)
        await send(sig, None)
    await send(sig, None)
    assert log == ["second", "first", "second"]


async def test_tasks_created_inside_the_block_inherit_the_mute() -> None:
    sig = Signal()
    log: list[str] = []

    async def fn(sender: object, **kwargs: Any) -> None:
        log.append(str(sender))

    sig.connect(fn)
    release = asyncio.Event()

    async def child() -> None:
        await sig.send("child, in block")
        await release.wait()
        await sig.send("child, after block")

    with sig.muted():
        task = asyncio.create_task(child())
        await asyncio.sleep(0)
    release.set()
    await task
    await sig.send("parent, after block")
    assert log == ["parent, after block"]


async def test_the_mute_ends_when_the_block_raises(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn)
    with pytest.raises(KeyError), sig.muted():
        raise KeyError("boom")
    await send(sig, None)
    assert log == ["fn"]


async def test_muting_does_not_change_introspection(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    fn = make_receiver([], "fn")
    sig.connect(fn, sender=User)
    with sig.muted(), muted():
        assert sig.has_listeners(User)
        assert sig.has_listeners()
        assert sig.live_receivers(User) == [fn]
        assert sig.is_connected(fn, sender=User)
        assert len(sig.receivers) == 1


# -- connected_to -----------------------------------------------------------


async def test_connected_to_connects_strongly_for_the_block(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    with sig.connected_to(make_receiver(log, "temporary"), sender=User) as fn:
        gc.collect()
        await send(sig, User)
        await send(sig, Article)
        assert sig.is_connected(fn, sender=User)
    assert not sig.is_connected(fn, sender=User)
    await send(sig, User)
    assert log == ["temporary"]


async def test_connected_to_disconnects_when_the_block_raises(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    fn = make_receiver([], "fn")
    with pytest.raises(KeyError), sig.connected_to(fn):
        raise KeyError("boom")
    assert sig.receivers == []


async def test_connected_to_an_existing_connection_adds_and_removes_nothing(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender=User, priority=2)
    before = options(sig)
    with sig.connected_to(fn, sender=User):
        assert options(sig) == before
        await send(sig, User)
    assert options(sig) == before
    assert log == ["fn"]


def test_connected_to_passes_uid_and_priority() -> None:
    sig = Signal()

    def first(sender: object, **kwargs: Any) -> str:
        return "first"

    def second(sender: object, **kwargs: Any) -> str:
        return "second"

    sig.connect(first)
    with sig.connected_to(second, dispatch_uid="uid", priority=1):
        assert sig.send_sync(None) == [(second, "second"), (first, "first")]
        assert sig.connections()[0].dispatch_uid == "uid"
    assert sig.send_sync(None) == [(first, "first")]
