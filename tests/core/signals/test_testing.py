"""testing.capture: record the sends of a signal in users' tests."""

from __future__ import annotations

from typing import Any

import pytest

from fastdjango.core.signals import Signal
from fastdjango.core.signals.testing import CapturedSend, capture

from .conftest import Send


class User:
    pass


class Article:
    pass


async def test_capture_records_every_send_in_order(send: Send) -> None:
    sig = Signal(["instance"])
    with capture(sig) as sent:
        await send(sig, User, instance=1)
        await send(sig, "app.Article", instance=2, created=True)
    assert len(sent) == 2
    assert sent[0] == CapturedSend(User, {"instance": 1})
    assert sent[1].sender == "app.Article"
    assert sent[1].kwargs == {"instance": 2, "created": True}
    assert sent.senders == [User, "app.Article"]
    assert list(sent) == sent.sends
    assert sent.signal is sig


async def test_capture_filters_by_sender(send: Send) -> None:
    sig = Signal()
    with capture(sig, sender=User) as sent:
        await send(sig, User)
        await send(sig, Article)
        await send(sig, User())
    assert sent.senders == [User]


async def test_capture_records_sends_nobody_listens_to_or_muted(send: Send) -> None:
    sig = Signal()

    def fn(sender: object, **kwargs: Any) -> str:
        return "response"

    with capture(sig) as sent:
        await send(sig, User)
        sig.connect(fn)
        with sig.muted():
            await send(sig, User)
        assert await send(sig, User) == [(fn, "response")]
    assert len(sent) == 3
    assert sig.live_receivers() == [fn]


async def test_capture_stops_at_the_end_of_the_block(send: Send) -> None:
    sig = Signal()
    with capture(sig) as sent:
        pass
    await send(sig, User)
    assert len(sent) == 0


async def test_captures_nest_and_keep_their_own_records(send: Send) -> None:
    sig = Signal()
    with capture(sig) as outer:
        await send(sig, User)
        with capture(sig, sender=Article) as inner:
            await send(sig, Article)
        await send(sig, Article)
    assert outer.senders == [User, Article, Article]
    assert inner.senders == [Article]


def test_captured_kwargs_are_a_copy() -> None:
    sig = Signal()
    payload = {"instance": 1}
    with capture(sig) as sent:
        sig.send_sync(User, **payload)
    sent[0].kwargs["instance"] = 2
    assert payload == {"instance": 1}


def test_capture_needs_a_signal() -> None:
    bad: Any = "post_save"
    with pytest.raises(TypeError, match=r"capture\(\) takes a Signal, got 'post_save'\."):
        with capture(bad):
            pass


def test_is_watched_while_a_capture_is_open() -> None:
    sig = Signal()
    seen = [sig.is_watched]
    with capture(sig):
        seen.append(sig.is_watched)
        with capture(sig):
            seen.append(sig.is_watched)
        seen.append(sig.is_watched)
    seen.append(sig.is_watched)
    assert seen == [False, True, True, True, False]
