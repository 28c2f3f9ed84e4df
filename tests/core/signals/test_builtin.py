"""The thirteen built-in signals, their names and their arguments."""

from __future__ import annotations

import pytest

from fastdjango.core import signals
from fastdjango.core.signals import BUILTIN_SIGNALS, MODEL_SIGNALS, Signal

EXPECTED = {
    "pre_init": ("args", "kwargs"),
    "post_init": ("instance",),
    "pre_save": ("instance", "raw", "using", "update_fields"),
    "post_save": ("instance", "created", "raw", "using", "update_fields"),
    "pre_delete": ("instance", "using", "origin"),
    "post_delete": ("instance", "using", "origin"),
    "m2m_changed": ("instance", "action", "reverse", "model", "pk_set", "using"),
    "request_started": ("scope",),
    "request_finished": ("scope",),
    "got_request_exception": ("scope", "exception"),
    "user_logged_in": ("request", "user"),
    "user_logged_out": ("request", "user"),
    "user_login_failed": ("credentials", "request"),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_builtin_signal_name_and_arguments(name: str) -> None:
    sig = getattr(signals, name)
    assert isinstance(sig, Signal)
    assert sig.name == name
    assert repr(sig) == f"<Signal {name!r}>"
    assert sig.providing_args == EXPECTED[name]
    assert sig.concurrent is False


def test_builtin_signals_lists_all_thirteen_in_order() -> None:
    assert [sig.name for sig in BUILTIN_SIGNALS] == list(EXPECTED)
    assert len(set(map(id, BUILTIN_SIGNALS))) == 13


def test_model_signals_are_the_first_seven_in_djangos_order() -> None:
    assert [sig.name for sig in MODEL_SIGNALS] == list(EXPECTED)[:7]
    assert BUILTIN_SIGNALS[:7] == MODEL_SIGNALS


def test_builtin_signals_are_importable_from_their_module() -> None:
    from fastdjango.core.signals import builtin

    assert builtin.BUILTIN_SIGNALS is BUILTIN_SIGNALS
    assert builtin.post_save is signals.post_save
