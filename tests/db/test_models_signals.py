"""``fastdjango.db.models.signals``: the import path Django users type."""

from __future__ import annotations

import fastdjango.db
import fastdjango.db.models
import fastdjango.db.models.signals
from fastdjango.core import signals as core
from fastdjango.db.models import signals


def test_the_model_signals_are_the_core_objects() -> None:
    assert signals.__all__ == [
        "m2m_changed",
        "post_delete",
        "post_init",
        "post_save",
        "pre_delete",
        "pre_init",
        "pre_save",
    ]
    assert {getattr(signals, name) for name in signals.__all__} == set(core.MODEL_SIGNALS)
    for name in signals.__all__:
        assert getattr(signals, name) is getattr(core, name)


def test_the_packages_are_only_the_path() -> None:
    assert fastdjango.db.__all__ == []
    assert fastdjango.db.models.__all__ == []
    assert fastdjango.db.models.signals is signals


def test_core_signals_exports_every_builtin_signal() -> None:
    exported = {getattr(core, name) for name in core.__all__}
    assert set(core.BUILTIN_SIGNALS) <= exported
