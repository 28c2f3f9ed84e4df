"""Random connect / disconnect / mute / send / gc sequences against a plain model."""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fastdjango.core.signals import Signal


class User:
    pass


class Article:
    pass


class Other:
    pass


NAMES = ["a", "b", "c", "d"]
#: What a connection names as its sender; None means any sender.
CONNECT_SENDERS: list[object] = [None, User, Article, "app.label"]
#: Who sends; the label is rebuilt so value senders must match by equality.
SEND_SENDERS: list[Callable[[], object]] = [
    lambda: User,
    lambda: Article,
    lambda: "".join(["app.", "label"]),
    lambda: Other,
]
UIDS = [None, "u1", "u2"]


def sender_key(sender: object) -> object:
    return sender if sender is None or isinstance(sender, str) else id(sender)


class DispatcherMachine(RuleBasedStateMachine):
    """The model: an ordered dict of connections, as a reader of §2 expects."""

    @initialize()
    def setup(self) -> None:
        self.signal = Signal(name="machine")
        self.log: list[str] = []
        self.receivers: dict[str, Callable[..., Any]] = {}  # the only strong references
        self.generation = dict.fromkeys(NAMES, 0)
        # (sender key, ("uid", uid) | ("receiver", name, generation)) -> connection facts
        self.model: dict[tuple[object, tuple[object, ...]], dict[str, Any]] = {}
        self.order = 0

    def receiver_for(self, name: str, is_async: bool) -> Callable[..., Any]:
        if name not in self.receivers:
            log = self.log
            if is_async:

                async def async_receiver(sender: object, **kwargs: Any) -> None:
                    log.append(name)

                self.receivers[name] = async_receiver
            else:

                def sync_receiver(sender: object, **kwargs: Any) -> None:
                    log.append(name)

                self.receivers[name] = sync_receiver
        return self.receivers[name]

    @rule(
        name=st.sampled_from(NAMES),
        is_async=st.booleans(),
        sender=st.sampled_from(CONNECT_SENDERS),
        uid=st.sampled_from(UIDS),
        priority=st.integers(-2, 2),
    )
    def connect(
        self, name: str, is_async: bool, sender: object, uid: str | None, priority: int
    ) -> None:
        fn = self.receiver_for(name, is_async)
        self.signal.connect(fn, sender=sender, dispatch_uid=uid, priority=priority)
        ident = ("uid", uid) if uid else ("receiver", name, self.generation[name])
        key = (sender_key(sender), ident)
        if key not in self.model:
            self.order += 1
            self.model[key] = {
                "name": name,
                "generation": self.generation[name],
                "sender": sender,
                "priority": priority,
                "order": self.order,
                "uid": uid,
            }

    @rule(name=st.sampled_from(NAMES), sender=st.sampled_from(CONNECT_SENDERS))
    def disconnect(self, name: str, sender: object) -> None:
        fn = self.receivers.get(name)
        if fn is None:
            return
        removed = self.signal.disconnect(fn, sender=sender)
        key = (sender_key(sender), ("receiver", name, self.generation[name]))
        assert removed is (self.model.pop(key, None) is not None)

    @rule(uid=st.sampled_from(["u1", "u2"]), sender=st.sampled_from(CONNECT_SENDERS))
    def disconnect_uid(self, uid: str, sender: object) -> None:
        removed = self.signal.disconnect(sender=sender, dispatch_uid=uid)
        doomed = [
            key
            for key, conn in self.model.items()
            if conn["uid"] == uid and (sender is None or key[0] == sender_key(sender))
        ]
        for key in doomed:
            del self.model[key]
        assert removed is bool(doomed)

    @rule(name=st.sampled_from(NAMES))
    def collect(self, name: str) -> None:
        """Drop the only reference to a receiver: its weak connections die."""
        if self.receivers.pop(name, None) is None:
            return
        gc.collect()
        gen = self.generation[name]
        for key in [
            k for k, c in self.model.items() if (c["name"], c["generation"]) == (name, gen)
        ]:
            del self.model[key]
        self.generation[name] += 1

    @rule(
        make_sender=st.sampled_from(SEND_SENDERS),
        muted_names=st.sets(st.sampled_from(NAMES), max_size=2),
        mute_all=st.booleans(),
    )
    def send(
        self, make_sender: Callable[[], object], muted_names: set[str], mute_all: bool
    ) -> None:
        sender = make_sender()
        expected = [
            conn
            for key, conn in self.model.items()
            if key[0] is None or key[0] == sender_key(sender)
        ]
        expected.sort(key=lambda conn: (-conn["priority"], conn["order"]))
        names = [c["name"] for c in expected if c["name"] not in muted_names]
        self.log.clear()
        with ExitStack() as stack:
            for name in muted_names:
                if name in self.receivers:
                    stack.enter_context(self.signal.muted(self.receivers[name]))
                else:
                    names = [n for n in names if n != name]
            if mute_all:
                stack.enter_context(self.signal.muted())
                names = []
            responses = self.signal.send_sync(sender)
        assert self.log == names
        assert len(responses) == len(names)

    @invariant()
    def introspection_matches(self) -> None:
        if not hasattr(self, "signal"):
            return
        assert len(self.signal.receivers) == len(self.model)
        assert self.signal.has_listeners() is bool(self.model)


DispatcherMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None, database=None
)
test_dispatcher_against_the_model = DispatcherMachine.TestCase
