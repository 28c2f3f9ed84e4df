"""pre_init / post_init for objects built in code and rows loaded, sync and async."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from sqlalchemy import Engine, String, create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from fastdjango.contrib.sqlalchemy import _instances, install
from fastdjango.core.signals import post_init, pre_init
from fastdjango.core.signals.testing import capture
from tests.contrib.tortoise.helpers import Call, connected

from .models import Hero, Post

Sessions = async_sessionmaker[AsyncSession]


class SyncRecorder:
    """A plain-function receiver (building an object cannot await) recording its calls."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def __call__(self, sender: Any, signal: Any, **kwargs: Any) -> None:
        self.calls.append(Call(signal.name or "?", sender, kwargs))


def test_building_an_object_sends_pre_init_then_post_init() -> None:
    with connected(SyncRecorder(), pre_init, post_init, sender=Post) as rec:
        post = Post(title="x", body="y")
    assert [(call.signal, call.sender) for call in rec.calls] == [
        ("pre_init", Post),
        ("post_init", Post),
    ]
    assert rec.calls[0].kwargs == {"args": (), "kwargs": {"title": "x", "body": "y"}}
    assert rec.calls[1].kwargs == {"instance": post}


def test_pre_init_may_change_the_arguments_as_in_django() -> None:
    def default_body(sender: Any, args: Any, kwargs: dict[str, Any], **rest: Any) -> None:
        kwargs.setdefault("body", "from pre_init")

    with connected(default_body, pre_init, sender=Post):
        post = Post(title="x")
    assert post.body == "from pre_init"


def test_a_sqlmodel_object_sends_them_too() -> None:
    with connected(SyncRecorder(), pre_init, post_init, sender=Hero) as rec:
        hero = Hero(name="Ada", age=36)
    assert [call.signal for call in rec.calls] == ["pre_init", "post_init"]
    assert rec.calls[0].kwargs == {"args": (), "kwargs": {"name": "Ada", "age": 36}}
    assert rec.calls[1].kwargs == {"instance": hero}


async def test_loaded_rows_send_them_with_the_loaded_values(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add_all([Post(title="first"), Post(title="second"), Hero(name="Grace")])
        await session.commit()
    snapshots: dict[str, str] = {}

    def snapshot(sender: Any, instance: Post, **kwargs: Any) -> None:
        # netbox keeps the loaded state this way, to diff it at save time.
        snapshots[str(instance.id)] = instance.title

    with (
        connected(SyncRecorder(), pre_init, sender=Post) as rec,
        connected(snapshot, post_init, sender=Post),
        connected(SyncRecorder(), post_init, sender=Hero) as heroes,
    ):
        async with sessions() as session:
            posts = (await session.scalars(select(Post).order_by(Post.id))).all()
            [hero] = (await session.scalars(select(Hero))).all()
            posts[0].title = "changed"
            again = (await session.scalars(select(Post).order_by(Post.id))).all()
            await session.refresh(posts[1])
    assert again == posts  # rows in the identity map are not built again
    assert snapshots == {str(posts[0].id): "first", str(posts[1].id): "second"}
    assert [call.kwargs for call in rec.calls] == [
        {
            "args": (),
            "kwargs": {"id": posts[0].id, "title": "first", "body": "", "author_id": None},
        },
        {
            "args": (),
            "kwargs": {"id": posts[1].id, "title": "second", "body": "", "author_id": None},
        },
    ]
    assert [call.kwargs for call in heroes.calls] == [{"instance": hero}]


def test_a_sync_session_load_and_an_inherited_class(tmp_path: Any) -> None:
    class Base(DeclarativeBase):
        pass

    install(Base)

    class Animal(Base):
        __tablename__ = "animal"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        kind: Mapped[str] = mapped_column(String(20))
        __mapper_args__ = MappingProxyType(
            {"polymorphic_on": "kind", "polymorphic_identity": "animal"}
        )

    class Cat(Animal):
        __mapper_args__ = MappingProxyType({"polymorphic_identity": "cat"})

    engine: Engine = create_engine(f"sqlite:///{tmp_path / 'animals.sqlite3'}")
    Base.metadata.create_all(engine)
    try:
        with connected(SyncRecorder(), post_init) as rec:
            cat = Cat(name="Tom")
            with Session(engine) as session:
                session.add_all([cat, Animal(name="Rex")])
                session.commit()
            with Session(engine) as session:
                loaded = session.scalars(select(Animal).order_by(Animal.id)).all()
        senders = [call.sender for call in rec.calls]
        assert senders == [Cat, Animal, Cat, Animal]  # once each, by the built class
        assert [type(animal) for animal in loaded] == [Cat, Animal]
    finally:
        engine.dispose()


def test_nothing_is_hooked_while_nobody_listens(sync_engine: Engine) -> None:
    manager: Any = Post._sa_class_manager  # type: ignore[attr-defined]
    with Session(sync_engine) as session:
        session.execute(select(1))  # a transaction: unhooks what earlier tests left
    plain_init = manager.original_init
    assert not hasattr(plain_init, "_fastdjango_original_init")
    with connected(SyncRecorder(), post_init, sender=Post) as rec:
        assert getattr(manager.original_init, "_fastdjango_original_init", None) is plain_init
        Post(title="hooked at connect")
    assert len(rec.calls) == 1
    with Session(sync_engine) as session:
        session.add(Post(title="loaded"))
        session.commit()  # the next transaction begins unhooked
        assert manager.original_init is plain_init
        assert not _instances._STATE.hooked


def test_a_capture_records_from_the_next_session_transaction(sync_engine: Engine) -> None:
    with Session(sync_engine) as session:
        session.add(Post(title="captured"))
        session.commit()
    with capture(post_init, sender=Post) as captured, Session(sync_engine) as session:
        [post] = session.scalars(select(Post)).all()
        built = Post(title="built")
    assert [send.kwargs["instance"] for send in captured.sends] == [post, built]


async def test_an_async_receiver_is_refused_inside_an_event_loop() -> None:
    async def receiver(sender: Any, instance: Post, **kwargs: Any) -> None:
        raise AssertionError("never awaited")

    with (
        connected(receiver, post_init, sender=Post),
        pytest.raises(RuntimeError, match="has async receivers and an event loop is running"),
    ):
        Post(title="x")
