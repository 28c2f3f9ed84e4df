"""The login flow over real HTTP: uvicorn on 127.0.0.1, httpx, users in Tortoise."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.requests import Request

from fastdjango.contrib.auth import MASK, SENDER, make_password
from fastdjango.core.signals import user_logged_in, user_logged_out, user_login_failed
from fastdjango.core.signals.testing import capture
from tests.support.server import serve

from .app import make_app
from .models import AuthUser

ADA_LOGIN = {"username": "ada", "password": "correct horse"}


async def test_login_flow_and_signal_arguments(ada: AuthUser) -> None:
    with (
        capture(user_logged_in) as logged_in,
        capture(user_logged_out) as logged_out,
        capture(user_login_failed) as failed,
    ):
        async with serve(make_app()) as base_url, httpx.AsyncClient(base_url=base_url) as http:
            assert (await http.get("/me")).status_code == 401
            wrong = await http.post("/login", json={"username": "ada", "password": "nope"})
            unknown = await http.post("/login", json={"username": "eve", "password": "x"})
            assert (wrong.status_code, unknown.status_code) == (401, 401)
            assert (await http.post("/login", json=ADA_LOGIN)).json() == {"id": ada.pk}
            assert (await http.get("/me")).json() == {"id": ada.pk}
            assert (await http.post("/logout")).status_code == 200
            assert (await http.get("/me")).status_code == 401

    assert failed.senders == [SENDER, SENDER]
    assert [s.kwargs["credentials"] for s in failed] == [
        {"username": "ada", "password": MASK},
        {"username": "eve", "password": MASK},
    ]
    assert logged_in.senders == logged_out.senders == [AuthUser]
    for sent in (*failed, *logged_in, *logged_out):
        request = sent.kwargs["request"]
        assert isinstance(request, Request)
        assert request.client is not None
        assert request.client.host == "127.0.0.1"
    assert logged_in[0].kwargs["user"].pk == logged_out[0].kwargs["user"].pk == ada.pk
    assert (await AuthUser.get(pk=ada.pk)).last_login is not None


async def test_session_rotation_over_http(ada: AuthUser, hasher: PasswordHasher) -> None:
    await AuthUser.create(username="bob", password=make_password("pw", hasher=hasher))
    async with serve(make_app()) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        await http.post("/session", json={"planted": "x"})
        planted = http.cookies["session"]
        await http.post("/login", json=ADA_LOGIN)
        as_ada = http.cookies["session"]
        assert as_ada != planted
        assert "planted" not in (await http.get("/session")).json()
        await http.post("/login", json={"username": "bob", "password": "pw"})
        assert http.cookies["session"] != as_ada
        bob = (await http.get("/me")).json()
        async with httpx.AsyncClient(base_url=base_url, cookies={"session": planted}) as other:
            assert (await other.get("/me")).status_code == 401
    assert bob != {"id": ada.pk}


async def test_seed_003_user_signals_example(
    ada: AuthUser, caplog: pytest.LogCaptureFixture
) -> None:
    audit = logging.getLogger("myapp.security")

    async def log_login(user: AuthUser, host: str) -> None:
        audit.info("login of %s from %s", user.username, host)

    async def log_logout(user: AuthUser | None) -> None:
        audit.info("logout of %s", user.username if user else None)

    async def log_failed_attempt(username: str | None, host: str) -> None:
        audit.warning("failed login for %s from %s", username, host)

    # The seed's receivers, word for word (types added for mypy --strict).
    @user_logged_in.connect
    async def on_login(sender: type, request: Request, user: AuthUser, **kwargs: Any) -> None:
        assert request.client is not None
        await log_login(user, request.client.host)

    @user_logged_out.connect
    async def on_logout(sender: type, request: Request, user: AuthUser, **kwargs: Any) -> None:
        await log_logout(user)

    @user_login_failed.connect
    async def on_login_failed(
        sender: str, credentials: dict[str, Any], request: Request, **kwargs: Any
    ) -> None:
        assert request.client is not None
        await log_failed_attempt(credentials.get("username"), request.client.host)
        audit.debug("credentials were %s", credentials)

    try:
        with caplog.at_level(logging.DEBUG):
            async with serve(make_app()) as url, httpx.AsyncClient(base_url=url) as http:
                await http.post("/login", json={"username": "ada", "password": "hunter2"})
                await http.post("/login", json=ADA_LOGIN)
                await http.post("/logout")
    finally:
        user_logged_in.disconnect(on_login)
        user_logged_out.disconnect(on_logout)
        user_login_failed.disconnect(on_login_failed)

    assert [r.getMessage() for r in caplog.records if r.name == "myapp.security"] == [
        "failed login for ada from 127.0.0.1",
        f"credentials were {{'username': 'ada', 'password': '{MASK}'}}",
        "login of ada from 127.0.0.1",
        "logout of ada",
    ]
    assert "hunter2" not in caplog.text
    assert "correct horse" not in caplog.text
