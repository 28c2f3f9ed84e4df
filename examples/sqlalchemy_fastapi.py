"""A FastAPI service on SQLModel and AsyncSession whose models send signals.

Run it with ``python examples/sqlalchemy_fastapi.py`` (SQLite file
``example.sqlite3`` in the current directory; set ``DATABASE_URL`` to use
another database, e.g. ``postgresql+asyncpg://postgres@127.0.0.1/test``),
then::

    curl -X POST 127.0.0.1:8000/articles -H 'content-type: application/json' \\
         -d '{"title": "Hello"}'
    curl 127.0.0.1:8000/audit

What it shows: ``install(SQLModel)`` once; an ``AsyncSession`` per request
from a dependency; ``post_save`` / ``post_delete`` receivers writing an
audit row in the same transaction; an ``on_commit=True`` receiver that runs
only once the commit succeeded; ``SignalsMiddleware`` sending the request
signals.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_object_session,
    create_async_engine,
)
from sqlmodel import Field, SQLModel, select

from fastdjango.contrib.asgi import SignalsMiddleware
from fastdjango.contrib.sqlalchemy import install
from fastdjango.core.signals import post_delete, post_save, request_finished

install(SQLModel)


class Article(SQLModel, table=True):
    __tablename__ = "example_article"
    id: int | None = Field(default=None, primary_key=True)
    title: str


class AuditEntry(SQLModel, table=True):
    __tablename__ = "example_audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    model: str
    object_id: int
    action: str


class ArticleIn(SQLModel):
    title: str


#: What the on_commit receiver and the request receiver saw (a stand-in for
#: a mailer and a metrics client).
notifications: list[str] = []
requests_served: list[str] = []


@post_save.connect(sender=Article)
async def audit_save(
    sender: type[Article], instance: Article, created: bool, **kwargs: Any
) -> None:
    """Write an audit row in the transaction that saves the article."""
    session = async_object_session(instance)  # the session flushing it
    assert session is not None
    assert instance.id is not None
    session.add(
        AuditEntry(model="Article", object_id=instance.id, action="create" if created else "update")
    )


@post_delete.connect(sender=Article)
async def audit_delete(sender: type[Article], instance: Article, **kwargs: Any) -> None:
    """Deleted articles are audited too."""
    session = async_object_session(instance)  # the session flushing it
    assert session is not None
    assert instance.id is not None
    session.add(AuditEntry(model="Article", object_id=instance.id, action="delete"))


@post_save.connect(sender=Article, on_commit=True)
async def announce(sender: type[Article], instance: Article, created: bool, **kwargs: Any) -> None:
    """Runs after the commit only: a rolled-back article is never announced."""
    if created:
        notifications.append(f"new article: {instance.title}")


@request_finished.connect
def count_request(sender: type, scope: dict[str, Any], **kwargs: Any) -> None:
    requests_served.append(f"{scope['method']} {scope['path']}")


def create_app(database_url: str) -> FastAPI:
    """The application, on the database at ``database_url``."""
    engine: AsyncEngine = create_async_engine(database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all)
        yield
        await engine.dispose()

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session

    Session = Annotated[AsyncSession, Depends(get_session)]
    app = FastAPI(lifespan=lifespan)
    app.add_middleware(SignalsMiddleware)

    @app.post("/articles", status_code=201)
    async def create_article(data: ArticleIn, session: Session) -> Article:
        article = Article(title=data.title)
        session.add(article)
        await session.commit()
        return article

    @app.patch("/articles/{article_id}")
    async def rename_article(article_id: int, data: ArticleIn, session: Session) -> Article:
        article = await session.get(Article, article_id)
        if article is None:
            raise HTTPException(status_code=404, detail="No such article")
        article.title = data.title
        await session.commit()
        return article

    @app.delete("/articles/{article_id}", status_code=204)
    async def delete_article(article_id: int, session: Session) -> None:
        article = await session.get(Article, article_id)
        if article is None:
            raise HTTPException(status_code=404, detail="No such article")
        await session.delete(article)
        await session.commit()

    @app.get("/audit")
    async def audit(session: Session) -> list[AuditEntry]:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))

    return app


app = create_app(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///example.sqlite3"))

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=8000)
