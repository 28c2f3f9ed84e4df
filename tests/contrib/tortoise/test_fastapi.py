"""The FastAPI wiring the documentation shows, served by a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from tortoise import Tortoise
from tortoise.contrib.fastapi import RegisterTortoise

from fastdjango.contrib.tortoise import install
from fastdjango.core.signals import post_save
from tests.support.server import serve
from tests.support.services import require_postgres

from .conftest import MODULES, _pg_execute
from .helpers import Recorder, connected
from .models import Post

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def documented_lifespan(config: dict[str, Any]) -> Lifespan:
    """The guide's lifespan: Tortoise's ``RegisterTortoise``, then ``install()``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=config, generate_schemas=True):
            install()
            yield

    return lifespan


def bare_init_lifespan(config: dict[str, Any]) -> Lifespan:
    """What the guide warns against: ``Tortoise.init`` inside the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await Tortoise.init(config=config)
        await Tortoise.generate_schemas()
        install()
        try:
            yield
        finally:
            await Tortoise.close_connections()

    return lifespan


def make_app(lifespan: Lifespan) -> FastAPI:
    app = FastAPI(lifespan=lifespan)

    @app.post("/posts")
    async def create_post(title: str) -> dict[str, Any]:
        post = await Post.objects.create(title=title)
        return {"id": post.pk}

    return app


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def config(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """A Tortoise config of the test models: SQLite in memory or a schema of its own."""
    if request.param == "sqlite":
        url = "sqlite://:memory:"
        schema = None
    else:
        schema = f"fdj_fastapi_{uuid.uuid4().hex[:12]}"
        await _pg_execute(require_postgres(), f'CREATE SCHEMA "{schema}"')
        url = f"{require_postgres()}?schema={schema}"
    try:
        yield {
            "connections": {request.param: url},
            "apps": {"models": {"models": MODULES, "default_connection": request.param}},
        }
    finally:
        if schema is not None:
            await _pg_execute(require_postgres(), f'DROP SCHEMA "{schema}" CASCADE')


async def test_register_tortoise_then_install_sends_signals_from_requests(
    config: dict[str, Any],
) -> None:
    with (
        connected(Recorder(), post_save, sender="models.Post") as rec,
        connected(rec, post_save, sender=Post),
    ):
        app = make_app(documented_lifespan(config))
        async with serve(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
            answers = [await http.post("/posts", params={"title": t}) for t in ("a", "b")]
    assert [answer.status_code for answer in answers] == [200, 200]
    ids = [answer.json()["id"] for answer in answers]
    created = [(call["instance"].pk, call["created"]) for call in rec.calls]
    assert created == [(ids[0], True), (ids[0], True), (ids[1], True), (ids[1], True)]
    assert all(call.sender is Post for call in rec.calls)


async def test_tortoise_init_in_the_lifespan_is_not_seen_by_requests(
    config: dict[str, Any],
) -> None:
    app = make_app(bare_init_lifespan(config))

    async def show(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=500)

    app.add_exception_handler(RuntimeError, show)
    async with serve(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
        answer = await http.post("/posts", params={"title": "lost"})
    assert answer.status_code == 500
    assert "No TortoiseContext is currently active" in answer.json()["error"]
