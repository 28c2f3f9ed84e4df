"""The public names, the message without SQLAlchemy, bad arguments to install()."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import fastdjango.contrib.sqlalchemy as package
from fastdjango.contrib.sqlalchemy import install

from .models import Base, Post


def test_public_names() -> None:
    assert package.__all__ == [
        "ReentrantFlushError",
        "SQLAlchemyOutbox",
        "capture_on_commit_callbacks",
        "configure_outbox",
        "create_outbox_table",
        "install",
        "loaddata",
    ]
    for name in package.__all__:
        assert getattr(package, name).__doc__


def test_missing_sqlalchemy_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['sqlalchemy'] = None\n"
        "try:\n"
        "    import fastdjango.contrib.sqlalchemy\n"
        "except ImportError as exc:\n"
        "    print(exc, exc.__suppress_context__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert "pip install 'fastdjango[sqlalchemy]'" in result.stdout
    assert result.stdout.strip().endswith("True")


def test_install_refuses_what_is_not_a_declarative_base() -> None:
    with pytest.raises(TypeError, match=r"declarative base .* got 42"):
        install(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got <class 'dict'>"):
        install(dict)


def test_install_is_idempotent_and_covers_subclasses() -> None:
    install(Base)
    install(Base)
    install(Post)  # already covered by Base


def test_installing_a_base_over_an_installed_class_is_refused() -> None:
    class Other(DeclarativeBase):
        pass

    class Model(Other):
        __tablename__ = "other_model"
        id: Mapped[int] = mapped_column(primary_key=True)

    install(Model)
    with pytest.raises(ValueError, match=r"install\(Other\) would signal twice for Model"):
        install(Other)


def test_the_dispatcher_imports_no_orm() -> None:
    code = (
        "import sys, fastdjango.core.signals, fastdjango.dispatch\n"
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'tortoise') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "[]"
