"""String senders of SQLAlchemy models: ``"<app_label>.<Model>"`` names a class, or is refused.

The test models live in ``tests.contrib.sqlalchemy.models``: ``"sqlalchemy.Post"`` names
``Post`` (``"models.Post"`` would too, but the Tortoise tests' app is called ``models``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fastdjango.contrib.sqlalchemy import install
from fastdjango.contrib.sqlalchemy._session import installed_bases
from fastdjango.core.signals import m2m_changed, post_save, resolve_alias
from tests.contrib.tortoise.helpers import Recorder, connected

from .models import Post, Tag, post_tags

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def without_tortoise(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that uses SQLAlchemy only (the Tortoise integration not imported)."""
    monkeypatch.delitem(sys.modules, "fastdjango.contrib.tortoise._labels", raising=False)


def _ignore(sender: Any, **kwargs: Any) -> None:
    """A receiver that is never meant to run."""


async def test_a_label_in_any_case_names_the_model(sessions: Sessions) -> None:
    with connected(Recorder(), post_save, sender="sqlalchemy.post") as rec:
        async with sessions() as session:
            session.add_all([Post(title="Hello"), Tag(name="a")])
            await session.commit()
    assert [call.sender for call in rec.calls] == [Post]
    assert resolve_alias("sqlalchemy.post") is Post


async def test_a_relation_label_names_the_association_table(sessions: Sessions) -> None:
    async with sessions() as session:
        post, tag = Post(title="Hello"), Tag(name="a")
        session.add_all([post, tag])
        await session.commit()
        await session.refresh(post, ["tags"])
        post.tags.append(tag)
        with connected(Recorder(), m2m_changed, sender="SQLALCHEMY.POST_TAGS") as rec:
            await session.commit()
    assert [call["action"] for call in rec.calls] == ["pre_add", "post_add"]
    assert all(call.sender is post_tags for call in rec.calls)


@pytest.mark.usefixtures("without_tortoise")
@pytest.mark.parametrize(
    ("signal", "label", "expected"),
    [
        (post_save, "User", "names no SQLAlchemy model"),  # no app label
        (post_save, "sqlalchemy.Psot", "names no SQLAlchemy model"),
        (post_save, "blog.Post", "names no SQLAlchemy model"),  # blog is no part of the module
        (m2m_changed, "sqlalchemy.Post.tags.through", "names no SQLAlchemy many-to-many"),
        (m2m_changed, "sqlalchemy.Post", "names no SQLAlchemy many-to-many relation"),
    ],
)
def test_a_label_that_names_nothing_is_refused_at_connect(
    signal: Any, label: str, expected: str
) -> None:
    with pytest.raises(LookupError, match=expected) as raised:
        signal.connect(_ignore, sender=label)
    message = str(raised.value)
    assert "would never run" in message
    listed = "Post_tags" if signal is m2m_changed else "Post"
    assert f"{listed} (tests.contrib.sqlalchemy.models)" in message
    assert not signal.has_listeners(label)


_SHOP_MODELS = """
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase): ...

class Gadget(Base):
    __tablename__ = "gadget"
    id: Mapped[int] = mapped_column(primary_key=True)
"""

_BEFORE_INSTALL = """
from fastdjango.contrib.sqlalchemy import install
from fastdjango.contrib.sqlalchemy._session import installed_bases
from fastdjango.core.signals import post_save, resolve_alias
from shop.models import Base, Gadget

def receiver(sender, **kwargs): ...

post_save.connect(receiver, sender="shop.Gizmo")   # a receivers module, imported first
try:
    install(Base)
except LookupError as error:
    print(error)
assert Base not in installed_bases()
post_save.disconnect(receiver, sender="shop.Gizmo")
post_save.connect(receiver, sender="shop.gadget")
install(Base)
assert resolve_alias("shop.gadget") is Gadget
print("installed")
"""


def test_install_refuses_a_label_connected_before_and_installs_nothing(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text(_SHOP_MODELS)
    done = subprocess.run(
        [sys.executable, "-c", _BEFORE_INSTALL],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    refused, installed = done.stdout.splitlines()
    assert refused.startswith("Sender 'shop.Gizmo' names no SQLAlchemy model")
    assert "known: Gadget (shop.models)" in refused
    assert installed == "installed"


@pytest.mark.usefixtures("without_tortoise")
def test_a_class_name_two_bases_map_is_ambiguous() -> None:
    class First(DeclarativeBase):
        pass

    class Second(DeclarativeBase):
        pass

    class Widget(First):
        __tablename__ = "widget"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Widget2(Second):  # the same class name, in another base
        __tablename__ = "widget"
        id: Mapped[int] = mapped_column(primary_key=True)

    Widget2.__name__ = "Widget"
    install(First)
    install(Second)
    try:
        with pytest.raises(LookupError, match=r"'test_labels\.Widget' is ambiguous"):
            post_save.connect(_ignore, sender="test_labels.Widget")
    finally:
        installed_bases().remove(First)
        installed_bases().remove(Second)


async def test_a_label_tortoise_knows_is_tortoises() -> None:
    # Both ORMs have a Post here, and "models" is a part of this Post's module path too.
    from tortoise.context import TortoiseContext

    from fastdjango.contrib.tortoise import install as install_tortoise
    from tests.contrib.tortoise import models as tortoise_models

    config = {
        "connections": {"sqlite": "sqlite://:memory:"},
        "apps": {"models": {"models": [tortoise_models.__name__], "default_connection": "sqlite"}},
    }
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        install_tortoise()
        with connected(Recorder(), post_save, sender="MODELS.post"):
            assert resolve_alias("MODELS.post") is tortoise_models.Post
        with connected(Recorder(), post_save, sender="sqlalchemy.Post"):
            assert resolve_alias("sqlalchemy.Post") is Post
