"""``python -m fastdjango`` and the ``fastdjango`` console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fastdjango.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ["tests.fixtures.cli_app.signals", "tests.fixtures.cli_app.leaky"]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a command from the project root, as a user would."""
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
    )


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "list every signal and its receivers" in capsys.readouterr().out


def test_an_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signals", "--nope"]) == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_python_dash_m_lists_signals_in_a_real_process() -> None:
    done = run(sys.executable, "-m", "fastdjango", "signals", "--json", "--import", *FIXTURES)

    assert done.returncode == 0, done.stderr
    signals = {s["name"]: s for s in json.loads(done.stdout)["signals"]}
    assert [r["receiver"] for r in signals["order_placed"]["receivers"]] == [
        "tests.fixtures.cli_app.signals:send_confirmation",
        "tests.fixtures.cli_app.signals:notify_warehouse",
    ]
    assert sum(not r["alive"] for r in signals["fixture_saved"]["receivers"]) == 3
    assert signals["post_save"]["builtin"] is True


def test_the_console_script_imports_from_the_current_directory() -> None:
    script = shutil.which("fastdjango", path=Path(sys.executable).parent)
    if script is None:
        pytest.skip("the fastdjango console script is not installed next to this Python")

    done = run(script, "signals", "--import", *FIXTURES)

    assert done.returncode == 0, done.stderr
    assert "order_placed  tests.fixtures.cli_app.signals.order_placed" in done.stdout
    missing = run(script, "signals", "--import", "no_such_module_anywhere")
    assert missing.returncode == 2
    assert "Cannot import 'no_such_module_anywhere'" in missing.stderr


def test_a_reader_that_goes_away_ends_the_listing_quietly() -> None:
    # As in `fastdjango signals | head -1`, when head has already exited.
    with subprocess.Popen(
        [sys.executable, "-m", "fastdjango", "signals"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        process.stdout.close()
        _, err = process.communicate(timeout=30)

    assert process.returncode == 1
    assert err == ""
