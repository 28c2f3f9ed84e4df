"""``install()``: make every model Tortoise knows send the model signals."""

from __future__ import annotations

from typing import Final

from tortoise import Tortoise

from fastdjango.core.signals import (
    Signal,
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_delete,
    pre_init,
    pre_save,
)

from ._bridge import connect_model
from ._hooks import install_hooks
from ._labels import check_existing, check_label, check_relation_label, register_model
from ._outbox import install_outbox
from ._through import attach_through

__all__ = ["install"]

MODEL_SIGNALS: Final[tuple[Signal, ...]] = (
    pre_init,
    post_init,
    pre_save,
    post_save,
    pre_delete,
    post_delete,
    m2m_changed,
)


def install() -> None:
    """Wire every model of the initialised Tortoise apps to the model signals.

    Call it right after ``await Tortoise.init(...)`` (again after each
    re-init; any number of calls never doubles a signal). Afterwards

    * plain ``tortoise.models.Model`` subclasses send ``pre_save``,
      ``post_save``, ``pre_delete`` and ``post_delete``, and ``pre_init`` /
      ``post_init`` once those are in use;
    * many-to-many relations send ``m2m_changed`` and have ``.through``;
    * ``"<app_label>.<Model>"`` senders name their models (and
      ``"<app_label>.<Model>_<field>"`` the relations of ``m2m_changed``), in
      any case; a string sender that names nothing is an error, at once for
      existing connections and at connect time from then on;
    * ``on_commit=True`` receivers wait for ``in_transaction()`` blocks.

    Raises:
        RuntimeError: Tortoise is not initialised.
        LookupError: a connected string sender names no model (no relation,
            for ``m2m_changed``); the message lists the known labels.
    """
    apps = Tortoise.apps
    if apps is None:
        raise RuntimeError(
            "fastdjango.contrib.tortoise.install() needs initialised Tortoise apps: "
            "call it after 'await Tortoise.init(...)'."
        )
    install_hooks()
    install_outbox()
    for model in apps.get_models_iterable():
        connect_model(model)
        register_model(model)
        attach_through(model)
    for signal in MODEL_SIGNALS:
        check = check_relation_label if signal is m2m_changed else check_label
        check_existing(signal, check)
        signal.add_sender_check(check)
