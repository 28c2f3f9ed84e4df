"""``fastdjango signals``, run in-process on the fixture packages."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fastdjango.__main__ import main
from fastdjango.core.signals import alias_sender

APP = "tests.fixtures.cli_app"


def listing(capsys: pytest.CaptureFixture[str], *modules: str) -> dict[str, Any]:
    """Run ``signals --json --import MODULES``; return the signals bound in modules, by name.

    Signals of earlier tests may still be alive, but no module binds them.
    """
    assert main(["signals", "--json", *(["--import", *modules] if modules else [])]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1
    return {signal["name"]: signal for signal in data["signals"] if signal["bound_to"]}


def line_of(function: Any) -> int:
    return int(function.__code__.co_firstlineno)


def fixture(name: str) -> ModuleType:
    return sys.modules[f"{APP}.{name}"]


def test_json_lists_an_unnamed_signal_under_its_attribute(
    capsys: pytest.CaptureFixture[str],
) -> None:
    signals = listing(capsys, f"{APP}.signals")
    mod = fixture("signals")

    order_placed = signals["order_placed"]
    assert order_placed["module"] == f"{APP}.signals"
    assert order_placed["bound_to"] == [f"{APP}.signals.order_placed"]
    assert order_placed["providing_args"] == ["order", "user"]
    assert order_placed["builtin"] is False
    assert order_placed["receivers"] == [
        {
            "receiver": f"{APP}.signals:send_confirmation",
            "kind": "function",
            "file": mod.__file__,
            "line": line_of(mod.send_confirmation),
            "sender": None,
            "sender_target": None,
            "weak": True,
            "dispatch_uid": None,
            "priority": 10,
            "async": True,
            "on_commit": False,
            "durable": None,
            "alive": True,
            "collected": None,
        },
        {
            "receiver": f"{APP}.signals:notify_warehouse",
            "kind": "function",
            "file": mod.__file__,
            "line": line_of(mod.notify_warehouse),
            "sender": f"{APP}.signals.Order",
            "sender_target": None,
            "weak": True,
            "dispatch_uid": "warehouse",
            "priority": 0,
            "async": False,
            "on_commit": True,
            "durable": None,
            "alive": True,
            "collected": None,
        },
    ]


def test_json_describes_methods_callable_objects_and_partials(
    capsys: pytest.CaptureFixture[str],
) -> None:
    signals = listing(capsys, f"{APP}.signals")
    mod = fixture("signals")

    audited = signals["fixture_audited"]
    assert audited["bound_to"] == [f"{APP}.signals.audited"]
    rows = [
        (r["receiver"], r["kind"], r["line"], r["weak"], r["async"], r["priority"])
        for r in audited["receivers"]
    ]
    assert rows == [
        (
            f"{APP}.signals:Mailer.on_audit",
            "bound method",
            line_of(mod.Mailer.on_audit),
            True,
            False,
            0,
        ),
        (
            f"{APP}.signals:Mailer.__call__",
            "callable object",
            line_of(mod.Mailer.__call__),
            False,
            True,
            0,
        ),
        (f"{APP}.signals:log", "partial", line_of(mod.log), False, False, -5),
    ]
    assert audited["receivers"][1]["dispatch_uid"] == "('mailer', 1)"


def test_a_sender_label_shows_what_it_resolves_to(capsys: pytest.CaptureFixture[str]) -> None:
    signals = listing(capsys, f"{APP}.signals")
    assert signals["fixture_audited"]["receivers"][0]["sender"] == "'fixture.Order'"
    assert signals["fixture_audited"]["receivers"][0]["sender_target"] is None

    alias_sender("fixture.Order", fixture("signals").Order)
    signals = listing(capsys)

    assert signals["fixture_audited"]["receivers"][0]["sender_target"] == f"{APP}.signals.Order"


def test_built_in_signals_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    signals = listing(capsys)

    post_save = signals["post_save"]
    assert post_save["builtin"] is True
    assert post_save["module"] == "fastdjango.core.signals.builtin"
    assert "fastdjango.core.signals.post_save" in post_save["bound_to"]
    assert post_save["providing_args"] == ["instance", "created", "raw", "using", "update_fields"]


def test_dead_receivers_are_flagged(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="fastdjango.signals"):
        signals = listing(capsys, f"{APP}.leaky")

    receivers = signals["fixture_saved"]["receivers"]
    status = [(r["dispatch_uid"], r["alive"], r["collected"]) for r in receivers]
    assert status == [
        ("audit_User", False, "receiver"),
        ("audit_Article", False, "receiver"),
        ("audit_Comment", True, None),
        (None, False, "sender"),
    ]
    dead = receivers[0]
    assert dead["receiver"] == f"{APP}.leaky.make_audit_receiver.<locals>.audit_receiver"
    assert (dead["kind"], dead["file"], dead["line"]) == (None, None, None)
    # The dispatcher reported the two closures when the next connect pruned them.
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2
    assert all("garbage-collected while still connected" in w for w in warnings)
    caplog.clear()  # the records hold the signal: let it go with its module


def test_listing_does_not_prune_dead_connections(capsys: pytest.CaptureFixture[str]) -> None:
    first = listing(capsys, f"{APP}.leaky")["fixture_saved"]["receivers"]
    again = listing(capsys)["fixture_saved"]["receivers"]

    assert again == first
    assert fixture("leaky").saved.has_listeners()  # an ordinary access prunes
    pruned = listing(capsys)["fixture_saved"]["receivers"]
    assert [r["collected"] for r in pruned] == ["receiver", "receiver", None]


def test_the_table_shows_every_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signals", "--import", f"{APP}.signals", f"{APP}.leaky"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()

    start = lines.index(f"order_placed  {APP}.signals.order_placed")
    assert lines[start + 1] == "  providing_args: order, user"
    assert lines[start + 2].split() == [
        "#", "receiver", "defined", "at", "sender", "ref", "dispatch_uid", "priority",
        "mode", "on_commit", "status",
    ]  # fmt: skip
    line = line_of(fixture("signals").notify_warehouse)
    assert lines[start + 4].split() == [
        "2", f"{APP}.signals:notify_warehouse", f"tests/fixtures/cli_app/signals.py:{line}",
        f"{APP}.signals.Order", "weak", "warehouse", "0", "sync", "yes", "live",
    ]  # fmt: skip
    assert "tests.fixtures.cli_app.signals:Mailer.on_audit (bound method)" in out
    assert "post_save  [built-in]  fastdjango.core.signals.builtin.post_save" in out
    saved = out[out.index(f"fixture_saved  {APP}.leaky.saved") :].split("\n\n")[0]
    assert saved.count("DEAD (receiver collected)") == 2
    assert saved.count("DEAD (sender collected)") == 1
    assert "connect it with weak=False" in out
    assert " dead." in out


def test_a_missing_module_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signals", "--import", f"{APP}.no_such_module"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert f"Cannot import '{APP}.no_such_module' (ModuleNotFoundError: No module named" in err
    assert "run from the directory that holds its top-level package" in err


def test_a_module_that_raises_exits_2_naming_it_and_the_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = "tests.fixtures.app_broken_signals.signals"
    assert main(["signals", "--import", f"{APP}.signals", broken, "--json"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        f"fastdjango signals: error: Cannot import '{broken}': ModuleNotFoundError"
    )
    assert "fastdjango_fixture_missing_dependency" in err
    assert "app_broken_signals/signals.py:5)" in err


def test_a_receiver_without_kwargs_points_at_the_users_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ValueError is raised inside the library; the line to fix is the user's.
    module = tmp_path / "ported_receivers.py"
    module.write_text(
        "from fastdjango.core.signals import Signal\n"
        "order_paid = Signal()\n"
        "\n"
        "@order_paid.connect\n"
        "def on_paid(sender):\n"
        "    pass\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "ported_receivers", raising=False)
    assert main(["signals", "--import", "ported_receivers"]) == 2

    _, err = capsys.readouterr()
    assert "Cannot import 'ported_receivers': ValueError" in err
    assert f"(at {module}:4)" in err
    assert "fastdjango/core" not in err
