"""The public API: what ``fastdjango.core.signals`` exports."""

from __future__ import annotations

import fastdjango.core.signals as signals
from fastdjango.core.signals import testing


def test_public_names_are_pinned() -> None:
    assert signals.__all__ == [
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
    assert testing.__all__ == ["Capture", "CapturedSend", "capture"]


def test_every_public_name_exists_and_is_documented() -> None:
    for module in (signals, testing):
        for name in module.__all__:
            obj = getattr(module, name)
            if not isinstance(obj, signals.Signal | tuple):
                assert obj.__doc__, f"{module.__name__}.{name} has no docstring"


def test_signal_methods_are_documented() -> None:
    public = [name for name in dir(signals.Signal) if not name.startswith("_")]
    for name in public:
        assert getattr(signals.Signal, name).__doc__, f"Signal.{name} has no docstring"
