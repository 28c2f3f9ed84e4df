"""Django-style imports: ``from fastdjango.dispatch import Signal, receiver``.

The port target of ``django.dispatch``: code written for Django keeps its
calls. ``Signal`` here is a :class:`fastdjango.core.signals.Signal` whose
``send`` / ``send_robust`` are synchronous, as in Django, and whose
``asend`` / ``asend_robust`` are awaited (Django 5)::

    from fastdjango.dispatch import Signal, receiver

    pizza_done = Signal()

    @receiver(pizza_done)
    def on_pizza(sender, **kwargs): ...

    pizza_done.send(sender=Pizza, toppings=["cheese"])       # sync, as in Django
    await pizza_done.asend(sender=Pizza, toppings=["cheese"])

The built-in signals stay core signals (``await post_save.send(...)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core.signals import Signal as _CoreSignal
from .core.signals import receiver
from .core.signals._calls import Responses
from .core.signals._send import make_send_sync

__all__ = ["Signal", "receiver"]


class Signal(_CoreSignal):
    """A signal with Django's method names: ``send`` is synchronous.

    ``send`` / ``send_robust`` are the core signal's ``send_sync`` /
    ``send_robust_sync``: async receivers run to completion when no event
    loop runs in this thread, and inside a running loop a send that would
    need to await raises ``RuntimeError`` (``await sig.asend(...)`` there).
    ``asend`` / ``asend_robust`` are the async sends. Every other argument
    and method is the core signal's.
    """

    if TYPE_CHECKING:

        def send(self, sender: Any, **named: Any) -> Responses:  # type: ignore[override]
            """Send synchronously; return ``[(receiver, response)]``."""

        def send_robust(self, sender: Any, **named: Any) -> Responses:  # type: ignore[override]
            """:meth:`send`, but every receiver runs; exceptions are returned."""

    else:
        send = make_send_sync(robust=False, doc=_CoreSignal._SEND_SYNC_DOC, name="send")
        send_robust = make_send_sync(
            robust=True, doc=_CoreSignal._SEND_ROBUST_SYNC_DOC, name="send_robust"
        )
