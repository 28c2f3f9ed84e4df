"""The FastAPI app the HTTP tests drive: login, logout and a protected route."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel
from starlette.middleware.sessions import SessionMiddleware

from fastdjango.contrib.auth import authenticate, get_user, login, logout


class LoginForm(BaseModel):
    """The login form's JSON body."""

    username: str
    password: str


def make_app(*, sessions: bool = True) -> FastAPI:
    """A FastAPI app using the auth helpers, with Starlette's session middleware."""
    app = FastAPI()
    if sessions:
        app.add_middleware(SessionMiddleware, secret_key="not-a-real-secret")

    @app.post("/login")
    async def do_login(request: Request, form: LoginForm) -> dict[str, Any]:
        user = await authenticate(request, username=form.username, password=form.password)
        if user is None:
            raise HTTPException(status_code=401, detail="Invalid credentials")
        await login(request, user)
        return {"id": user.pk, "username": user.username}

    @app.post("/logout")
    async def do_logout(request: Request) -> dict[str, bool]:
        await logout(request)
        return {"logged_out": True}

    @app.get("/me")
    async def me(request: Request) -> dict[str, Any]:
        user = await get_user(request)
        if user is None:
            raise HTTPException(status_code=401, detail="Log in first")
        return {"username": user.username}

    @app.post("/session")
    async def remember(request: Request, data: dict[str, str]) -> dict[str, Any]:
        request.session.update(data)
        return dict(request.session)

    @app.get("/session")
    async def session(request: Request) -> dict[str, Any]:
        return dict(request.session)

    return app
