"""Async-first signals with the whole Django signal API.

::

    from fastdjango.core.signals import Signal, post_save, receiver

    order_placed = Signal(providing_args=["order", "user"])

    @order_placed.connect
    async def send_confirmation(sender, order, user, **kwargs): ...

    await order_placed.send(sender=Order, order=order, user=user)

Errors: connecting a non-callable or a receiver that cannot be weakly
referenced raises ``TypeError``; a receiver without ``**kwargs`` raises
``ValueError``; ``send`` propagates the first receiver exception unchanged;
``send_robust`` logs it on the ``fastdjango.signals`` logger and returns it.
"""

from ._aliases import alias_sender, resolve_alias
from ._commit import CommitQueue, commit_scope, current_commit_queue
from ._dispatcher import Signal, all_signals
from ._mute import muted
from ._receiver import receiver
from .builtin import (
    BUILTIN_SIGNALS,
    MODEL_SIGNALS,
    got_request_exception,
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_delete,
    pre_init,
    pre_save,
    request_finished,
    request_started,
    user_logged_in,
    user_logged_out,
    user_login_failed,
)

__all__ = [
    "BUILTIN_SIGNALS",
    "MODEL_SIGNALS",
    "CommitQueue",
    "Signal",
    "alias_sender",
    "all_signals",
    "commit_scope",
    "current_commit_queue",
    "got_request_exception",
    "m2m_changed",
    "muted",
    "post_delete",
    "post_init",
    "post_save",
    "pre_delete",
    "pre_init",
    "pre_save",
    "receiver",
    "request_finished",
    "request_started",
    "resolve_alias",
    "user_logged_in",
    "user_logged_out",
    "user_login_failed",
]
