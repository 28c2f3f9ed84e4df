"""Lazy senders: ``sender="models.Post"`` names a model by Tortoise's label.

Every model known to Tortoise is registered with the dispatcher under
``"<app_label>.<ModelName>"`` (and each many-to-many relation's through object
under ``"<app_label>.<ModelName>_<field>"``, Django's name for it). A string
sender that looks like a label but can name nothing is refused with an error
that names it.
"""

from __future__ import annotations

import re
from typing import Final

from tortoise import Tortoise
from tortoise.models import Model

from fastdjango.core.signals import Signal, alias_sender, resolve_alias

__all__ = ["check_existing", "check_label", "label_of", "register_model", "wanted"]

_LABEL: Final = re.compile(r"\w+\.\w+")


def label_of(model: type[Model]) -> str | None:
    """``"<app_label>.<ModelName>"``, or None before Tortoise knows the model."""
    app = model._meta.app
    return f"{app}.{model.__name__}" if app else None


def register_model(model: type[Model]) -> bool:
    """Let the model's label stand for it; False while it has no app yet."""
    label = label_of(model)
    if label is None:
        return False
    alias_sender(label, model)
    return True


def check_label(sender: object) -> None:
    """Refuse a string sender that looks like a model label but names nothing.

    Strings that are not shaped like ``"<app_label>.<Name>"`` pass (they are
    ordinary value senders), and so does everything while Tortoise is not
    initialised, since its apps are not known yet.
    """
    if not isinstance(sender, str) or not _LABEL.fullmatch(sender):
        return
    apps = Tortoise.apps
    if apps is None or resolve_alias(sender) is not None:
        return
    app_label, name = sender.split(".")
    model = apps.apps.get(app_label, {}).get(name)
    if model is not None:
        register_model(model)
        return
    known = sorted(
        label for model in apps.get_models_iterable() if (label := label_of(model)) is not None
    )
    raise LookupError(
        f"Sender {sender!r} names no Tortoise model. Use '<app_label>.<ModelName>' with an "
        f"app label given to Tortoise.init() (known: {', '.join(known) or 'none'}), or pass "
        f"the model class itself."
    )


def check_existing(signal: Signal) -> None:
    """Run :func:`check_label` over the senders already connected to ``signal``."""
    for connection in signal.connections():
        check_label(connection.sender.sender())


def wanted(signal: Signal, sender: object = None) -> bool:
    """Would a send reach anyone: a receiver, or a ``testing.capture`` block?

    Used to skip the extra queries that only serve receivers.
    """
    if sender is None:
        listened = signal.has_listeners()
    else:
        listened = signal.has_listeners(sender)
    return listened or signal.is_watched
