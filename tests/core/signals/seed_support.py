"""Stand-ins for the seeds' models (the model examples get real ones with the ORM)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar

_ids = itertools.count(1)


@dataclass
class Model:
    """A stand-in model instance with a primary key and an in-memory table."""

    username: str = ""
    email: str = ""
    pk: int = field(default_factory=lambda: next(_ids))

    created: ClassVar[list[Any]]

    def __init_subclass__(cls) -> None:
        cls.created = []

    @classmethod
    def create(cls, **fields: Any) -> Any:
        obj = cls(**fields)
        cls.created.append(obj)
        return obj


class User(Model):
    pass


class Article(Model):
    pass


class Comment(Model):
    pass


class Order(Model):
    pass


class Profile(Model):
    pass


@dataclass
class AuditLog:
    """Seed 000's audit table: ``AuditLog.objects.create(...)``."""

    rows: ClassVar[list[dict[str, Any]]] = []

    class objects:
        @staticmethod
        def create(**row: Any) -> dict[str, Any]:
            AuditLog.rows.append(row)
            return row
