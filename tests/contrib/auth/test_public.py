"""The public surface of fastdjango.contrib.auth and its missing-dependency errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

import fastdjango.contrib.auth as auth


def test_all_is_pinned() -> None:
    assert auth.__all__ == [
        "BACKEND_SESSION_KEY",
        "DEFAULT_HASHER",
        "MASK",
        "SENDER",
        "UPDATE_LAST_LOGIN_UID",
        "USER_ID_SESSION_KEY",
        "AuthBackend",
        "BackendError",
        "PermissionDenied",
        "add_secret_names",
        "authenticate",
        "backend_name",
        "check_password",
        "get_backends",
        "get_user",
        "login",
        "logout",
        "make_password",
        "mask_credentials",
        "set_backends",
        "update_last_login",
    ]
    for name in auth.__all__:
        assert getattr(auth, name).__doc__ or name.isupper(), name


def test_sender_of_failed_logins_is_the_package_name() -> None:
    assert auth.SENDER == auth.__name__ == "fastdjango.contrib.auth"


def _import_without(blocked: str, module: str) -> str:
    code = f"import sys; sys.modules[{blocked!r}] = None; import {module}"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 1
    return run.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("blocked", ["argon2", "starlette", "itsdangerous"])
def test_missing_auth_dependency_names_the_extra(blocked: str) -> None:
    last_line = _import_without(blocked, "fastdjango.contrib.auth")
    assert last_line == (
        f"ImportError: fastdjango.contrib.auth needs the {blocked!r} package, which is not "
        "installed; install it with: pip install 'fastdjango[auth]'"
    )


def test_missing_tortoise_names_both_extras() -> None:
    last_line = _import_without("tortoise", "fastdjango.contrib.auth.tortoise")
    assert last_line.endswith("pip install 'fastdjango[auth,tortoise]'")
    assert "'tortoise-orm'" in last_line
