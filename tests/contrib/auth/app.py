"""The FastAPI app the HTTP tests drive: login, logout and a protected route."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from starlette.middleware.sessions import SessionMiddleware

from fastdjango.contrib.auth import authenticate, get_user, login, logout

SECRET_KEY = "not-a-real-secret"


def make_app(*, sessions: bool = True) -> FastAPI:
    """A FastAPI app using the auth helpers, with Starlette's session middleware.

    ``POST /login`` takes the credentials as a JSON object, whatever their
    names, so the same app serves every backend.
    """
    app = FastAPI()
    if sessions:
        app.add_middleware(SessionMiddleware, secret_key=SECRET_KEY)

    @app.post("/login")
    async def do_login(request: Request, credentials: dict[str, str]) -> dict[str, Any]:
        user = await authenticate(request, **credentials)
        if user is None:
            raise HTTPException(status_code=401, detail="Invalid credentials")
        await login(request, user)
        return {"id": user.pk}

    @app.post("/logout")
    async def do_logout(request: Request) -> dict[str, bool]:
        await logout(request)
        return {"logged_out": True}

    @app.get("/me")
    async def me(request: Request) -> dict[str, Any]:
        user = await get_user(request)
        if user is None:
            raise HTTPException(status_code=401, detail="Log in first")
        return {"id": user.pk}

    @app.post("/session")
    async def remember(request: Request, data: dict[str, str]) -> dict[str, Any]:
        request.session.update(data)
        return dict(request.session)

    @app.get("/session")
    async def session(request: Request) -> dict[str, Any]:
        return dict(request.session)

    return app
