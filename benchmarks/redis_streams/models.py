"""The model the benchmark's web side saves in each transaction."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class BenchOrder(Model):
    """An order: one INSERT per request, with or without a durable send."""

    id = fields.IntField(primary_key=True)
    total = fields.IntField(default=0)
