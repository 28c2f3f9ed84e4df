"""request.user after login() and logout(), as Django's login sets it, in a real FastAPI app."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.authentication import UnauthenticatedUser
from starlette.middleware.sessions import SessionMiddleware

from fastdjango.contrib.auth import authenticate, login, logout
from fastdjango.core.signals import user_logged_in, user_logged_out
from tests.support.server import serve

from .app import SECRET_KEY
from .helpers import make_request
from .models import AuthUser


def _ported_app() -> FastAPI:
    """Endpoints written as ported allauth code is: reading request.user after login()."""
    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key=SECRET_KEY)

    @app.post("/login")
    async def do_login(request: Request, credentials: dict[str, str]) -> dict[str, Any]:
        user = await authenticate(request, **credentials)
        assert user is not None
        await login(request, user)
        return {"user": request.user.username, "same": request.user is user}

    @app.post("/logout")
    async def do_logout(request: Request) -> dict[str, Any]:
        await login(request, await AuthUser.get(username="ada"))
        await logout(request)
        return {"authenticated": request.user.is_authenticated}

    return app


async def test_request_user_is_the_user_after_login_and_anonymous_after_logout(
    ada: AuthUser,
) -> None:
    seen: list[Any] = []

    def receiver(sender: Any, request: Request, user: Any, **kwargs: Any) -> None:
        seen.append(request.user)

    with user_logged_in.connected_to(receiver), user_logged_out.connected_to(receiver):
        async with serve(_ported_app()) as base_url, httpx.AsyncClient(base_url=base_url) as http:
            login_answer = await http.post(
                "/login", json={"username": "ada", "password": "correct horse"}
            )
            logout_answer = await http.post("/logout")
    assert login_answer.json() == {"user": "ada", "same": True}
    assert logout_answer.json() == {"authenticated": False}
    # As in Django: user_logged_in and user_logged_out both see the user.
    assert [user.username for user in seen] == ["ada", "ada", "ada"]


async def test_a_failed_login_puts_request_user_back(ada: AuthUser) -> None:
    request = make_request({})
    request.scope["user"] = before = UnauthenticatedUser()

    def refuse(**kwargs: Any) -> None:
        raise LookupError("audit log is full")

    with user_logged_in.connected_to(refuse), pytest.raises(LookupError):
        await login(request, ada)
    assert request.user is before


async def test_without_a_user_before_a_failed_login_there_is_none_after(ada: AuthUser) -> None:
    request = make_request({})

    def refuse(**kwargs: Any) -> None:
        raise LookupError("audit log is full")

    with user_logged_in.connected_to(refuse), pytest.raises(LookupError):
        await login(request, ada)
    assert "user" not in request.scope


async def test_logout_leaves_an_anonymous_user_even_if_a_receiver_raises(ada: AuthUser) -> None:
    request = make_request({})
    await login(request, ada)

    def refuse(**kwargs: Any) -> None:
        raise LookupError("audit log is full")

    with user_logged_out.connected_to(refuse), pytest.raises(LookupError):
        await logout(request)
    assert isinstance(request.user, UnauthenticatedUser)
    assert request.session == {}
