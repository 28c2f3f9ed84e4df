"""Django's dispatcher: ``send``, ``asend`` and ``Signal(use_caching=True)``."""

from __future__ import annotations

from django.conf import settings  # type: ignore[import-untyped]
from django.dispatch import Signal  # type: ignore[import-untyped]

from .peers import Mode, Need, Peer, Target, cycle_target, method_target
from .receivers import Receiver

if not settings.configured:
    settings.configure()


class DjangoSignal(Peer[Signal]):
    """One way of using Django's ``Signal``.

    Arguments:
        label: the column title.
        caching: build signals with ``use_caching=True``.
        limits: what this column does not measure.
    """

    def __init__(self, label: str, *, caching: bool, limits: dict[Need, str]) -> None:
        super().__init__(label, "django", limits)
        self.caching = caching

    def new_signal(self) -> Signal:
        return Signal(use_caching=self.caching)

    def connect(self, signal: Signal, receiver: Receiver, sender: object) -> None:
        signal.connect(receiver, sender=sender)

    def send_target(self, signal: Signal, mode: Mode, sync_receivers: bool) -> Target:
        return method_target(signal, "asend" if mode == "async" else "send", mode)

    def cycle_target(self, signal: Signal) -> Target:
        return cycle_target(signal)


def django_peers() -> list[Peer[Signal]]:
    """Return the three Django columns."""
    return [
        DjangoSignal(
            "dj.send",
            caching=False,
            limits={"async": "Django's send() cannot await receivers; see dj.asend."},
        ),
        DjangoSignal(
            "dj.asend",
            caching=False,
            limits={
                "sync": "asend() is the awaited form; see dj.send.",
                "registry": "dj.send and dj.asend share one Signal: see dj.send.",
            },
        ),
        DjangoSignal("dj.cached", caching=True, limits={}),
    ]
