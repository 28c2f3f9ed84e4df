"""examples/sqlalchemy_fastapi.py under a real uvicorn on 127.0.0.1, with a real client."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from fastdjango.core.signals import post_delete, post_save, request_finished
from tests.support.server import serve

EXAMPLE = Path(__file__).parents[3] / "examples" / "sqlalchemy_fastapi.py"


@pytest.fixture
def example() -> Iterator[ModuleType]:
    """The example module, its receivers disconnected again afterwards."""
    module = _load()
    try:
        yield module
    finally:
        for signal in (post_save, post_delete):
            for receiver in (module.audit_save, module.audit_delete, module.announce):
                signal.disconnect(receiver, sender=module.Article)
        request_finished.disconnect(module.count_request)


def _load() -> ModuleType:
    name = "examples_sqlalchemy_fastapi"
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def test_the_example_audits_announces_and_counts(example: ModuleType, tmp_path: Path) -> None:
    app = example.create_app(f"sqlite+aiosqlite:///{tmp_path / 'example.sqlite3'}")
    async with serve(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as client:
        created = await client.post("/articles", json={"title": "Hello"})
        assert created.status_code == 201
        article_id = created.json()["id"]
        renamed = await client.patch(f"/articles/{article_id}", json={"title": "Hello again"})
        assert renamed.json()["title"] == "Hello again"
        assert (await client.delete(f"/articles/{article_id}")).status_code == 204
        missing = await client.patch(f"/articles/{article_id}", json={"title": "x"})
        assert missing.status_code == 404
        audit = (await client.get("/audit")).json()
    assert [(entry["object_id"], entry["action"]) for entry in audit] == [
        (article_id, "create"),
        (article_id, "update"),
        (article_id, "delete"),
    ]
    assert example.notifications == ["new article: Hello"]
    assert example.requests_served == [
        "POST /articles",
        f"PATCH /articles/{article_id}",
        f"DELETE /articles/{article_id}",
        f"PATCH /articles/{article_id}",
        "GET /audit",
    ]
