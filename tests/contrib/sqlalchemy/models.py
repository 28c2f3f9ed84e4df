"""The test models: seed 003's blog, keys of every kind, cascades, many-to-many."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Column, DateTime, ForeignKey, Numeric, String, Table, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlmodel import Field, SQLModel

from fastdjango.contrib.sqlalchemy import install


class Base(DeclarativeBase):
    """The declarative base the tests install."""


install(Base)
install(SQLModel)

post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)

article_labels = Table(
    "article_labels",
    Base.metadata,
    Column("label_id", ForeignKey("label.id"), primary_key=True),
    Column("article_id", ForeignKey("article.id"), primary_key=True),
)


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    posts: Mapped[list[Post]] = relationship(back_populates="author", passive_deletes=True)


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id", ondelete="CASCADE"))
    author: Mapped[Author | None] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, backref="posts")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", cascade="all, delete-orphan"
    )


class Comment(Base):
    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200), default="")
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    post: Mapped[Post] = relationship(back_populates="comments")
    replies: Mapped[list[Reply]] = relationship(cascade="all, delete-orphan")


class Reply(Base):
    __tablename__ = "reply"
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"))


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), default="")
    if TYPE_CHECKING:
        posts: Mapped[list[Post]]  # made by Post.tags's backref


class Article(Base):
    """Many-to-many declared with ``back_populates`` on both sides."""

    __tablename__ = "article"
    id: Mapped[int] = mapped_column(primary_key=True)
    labels: Mapped[list[Label]] = relationship(secondary=article_labels, back_populates="articles")


class Label(Base):
    __tablename__ = "label"
    id: Mapped[int] = mapped_column(primary_key=True)
    articles: Mapped[list[Article]] = relationship(
        secondary=article_labels, back_populates="labels"
    )


class Document(Base):
    """A UUID key chosen by the application."""

    __tablename__ = "document"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(200))


class Note(Base):
    """An explicit string key."""

    __tablename__ = "note"
    slug: Mapped[str] = mapped_column(String(50), primary_key=True)
    text: Mapped[str] = mapped_column(String(200), default="")


class AuditLog(Base):
    """Seed 003's audit trail, written by receivers."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[str | None] = mapped_column(String(500), default=None)


class Hero(SQLModel, table=True):
    """A SQLModel table."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    age: int | None = None


class Invoice(Base):
    """Sent by the durable tests (``durable_app`` connects its durable receivers)."""

    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100))
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Shipment(SQLModel, table=True):
    """A SQLModel table with a durable receiver."""

    id: int | None = Field(default=None, primary_key=True)
    address: str


class DurableRun(Base):
    """One call of a durable receiver, recorded by the receiver itself."""

    __tablename__ = "durable_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    receiver: Mapped[str] = mapped_column(String(100))
    attempt: Mapped[int]
    pid: Mapped[int]
    note: Mapped[str] = mapped_column(String(200), default="")
