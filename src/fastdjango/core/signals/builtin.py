"""The built-in signals and who sends them.

=====================  ==================  ==========================================
signal                 sender              keyword arguments
=====================  ==================  ==========================================
pre_init               model class         args, kwargs (as given to the constructor)
post_init              model class         instance
pre_save               model class         instance, raw, using, update_fields
post_save              model class         instance, created, raw, using, update_fields
pre_delete             model class         instance, using, origin
post_delete            model class         instance, using, origin
m2m_changed            the through model   instance, action, reverse, model, pk_set, using
request_started        SignalsMiddleware   scope
request_finished       SignalsMiddleware   scope
got_request_exception  SignalsMiddleware   scope, exception
user_logged_in         user class          request, user
user_logged_out        user class          request, user
user_login_failed      auth module name    credentials (secrets masked), request
=====================  ==================  ==========================================

Model signals are sent by ``fastdjango.contrib.tortoise``, request signals by
``fastdjango.contrib.asgi.SignalsMiddleware`` and user signals by
``fastdjango.contrib.auth``.
"""

from __future__ import annotations

from ._dispatcher import Signal

__all__ = [
    "BUILTIN_SIGNALS",
    "MODEL_SIGNALS",
    "got_request_exception",
    "m2m_changed",
    "post_delete",
    "post_init",
    "post_save",
    "pre_delete",
    "pre_init",
    "pre_save",
    "request_finished",
    "request_started",
    "user_logged_in",
    "user_logged_out",
    "user_login_failed",
]

#: A model instance is being built: the constructor's ``args`` and ``kwargs``.
pre_init = Signal(["args", "kwargs"], name="pre_init")
#: A model instance was built (also a row loaded from the database).
post_init = Signal(["instance"], name="post_init")
#: Before a model instance is saved. A receiver that raises stops the save.
pre_save = Signal(["instance", "raw", "using", "update_fields"], name="pre_save")
#: After a model instance is saved; ``created`` tells an insert from an update.
post_save = Signal(["instance", "created", "raw", "using", "update_fields"], name="post_save")
#: Before a model instance is deleted (also for each object a delete cascades to).
pre_delete = Signal(["instance", "using", "origin"], name="pre_delete")
#: After a model instance is deleted (also for each object a delete cascades to).
post_delete = Signal(["instance", "using", "origin"], name="post_delete")
#: Many-to-many add / remove / clear, before (``pre_*``) and after (``post_*``).
m2m_changed = Signal(
    ["instance", "action", "reverse", "model", "pk_set", "using"], name="m2m_changed"
)

#: An HTTP request or WebSocket connection begins, before the app runs.
request_started = Signal(["scope"], name="request_started")
#: The exchange is over: response complete, app failed, or client gone.
request_finished = Signal(["scope"], name="request_finished")
#: The app raised while handling a request; the exception then propagates.
got_request_exception = Signal(["scope", "exception"], name="got_request_exception")

#: A user logged in (``login()``).
user_logged_in = Signal(["request", "user"], name="user_logged_in")
#: A user logged out (``logout()``); ``user`` is None if nobody was logged in.
user_logged_out = Signal(["request", "user"], name="user_logged_out")
#: ``authenticate()`` failed; every secret in ``credentials`` is masked.
user_login_failed = Signal(["credentials", "request"], name="user_login_failed")

# What fastdjango.contrib.auth sends user_login_failed with (its SENDER),
# where Django sends the name of its own module.
_AUTH_SENDER = "fastdjango.contrib.auth"
_DJANGO_AUTH_SENDER = "django.contrib.auth"


def _refuse_django_auth_sender(sender: object) -> None:
    """Refuse Django's sender name: ported code would connect a receiver that never runs."""
    if type(sender) is str and sender == _DJANGO_AUTH_SENDER:
        raise ValueError(
            f"user_login_failed is never sent with sender={_DJANGO_AUTH_SENDER!r}, Django's "
            f"module name: fastdjango.contrib.auth sends it with sender={_AUTH_SENDER!r}. "
            f"Connect with sender={_AUTH_SENDER!r}, or without a sender."
        )


user_login_failed.add_sender_check(_refuse_django_auth_sender)

#: The signals an ORM integration sends, in Django's order.
MODEL_SIGNALS: tuple[Signal, ...] = (
    pre_init,
    post_init,
    pre_save,
    post_save,
    pre_delete,
    post_delete,
    m2m_changed,
)

BUILTIN_SIGNALS: tuple[Signal, ...] = (
    *MODEL_SIGNALS,
    request_started,
    request_finished,
    got_request_exception,
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
