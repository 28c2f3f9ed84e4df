"""``python -m fastdjango demo``: in-process, as a subprocess, and when it cannot run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastdjango.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def python(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the project's Python from the project root, as a user would."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
        env=env,
    )


def test_demo_in_process(database_url: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["demo"] if database_url is None else ["demo", "--database-url", database_url]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("fastdjango demo: FastAPI + Tortoise ORM on ")
    assert "served by uvicorn at http://127.0.0.1:" in out
    for line in (
        "1. Create a user: POST /users -> 201 {'id': 1, 'username': 'ada'}",
        "8. Fail a login: POST /login -> 401 {'detail': 'Invalid credentials'}",
        "      -> on_login: ada logged in from 127.0.0.1",
        "Audit log (GET /audit), 10 rows:",
        "  3   User     1          update  ['last_login']",
        "  10  Post     1          delete  -",
        "  order #1: 2 x signal flag",
    ):
        assert line in out.splitlines()
    assert (
        "Signals seen: got_request_exception, m2m_changed, order_placed, post_delete, "
        "post_save, pre_delete, pre_save, request_finished, request_started, "
        "user_logged_in, user_logged_out, user_login_failed." in out
    )


def test_demo_as_a_subprocess() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = python("-m", "fastdjango", "demo", env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert "Audit log (GET /audit), 10 rows:" in done.stdout
    assert "user_login_failed  sender='fastdjango.contrib.auth'" in done.stdout


def test_an_unreachable_database_is_explained(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://demo:s3cret@127.0.0.1:1/demo")
    assert main(["demo"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        "fastdjango demo: error: cannot use the database postgres://demo:***@127.0.0.1:1/demo: "
    )
    assert "Start that database server" in err
    assert "unset DATABASE_URL to use a temporary SQLite file" in err
    assert "s3cret" not in err


def test_a_bad_url_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--database-url", "mysql-ish://x"]) == 1
    err = capsys.readouterr().err
    assert "cannot understand the database URL 'mysql-ish://x'" in err
    assert "postgres://user:password@127.0.0.1:5432/dbname" in err


def test_a_missing_dependency_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "from fastdjango.__main__ import main\n"
        "raise SystemExit(main(['demo']))"
    )
    done = python("-c", code)
    assert done.returncode == 1
    assert "uvicorn is not installed" in done.stderr
    assert "pip install 'fastdjango[demo]'" in done.stderr


def test_help_lists_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "run the demo app and show every signal firing" in capsys.readouterr().out
