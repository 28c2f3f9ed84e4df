"""Models the durable tests send, and where workers record what they ran."""

from __future__ import annotations

from tortoise import fields

from fastdjango.contrib.tortoise import Model


class Order(Model):
    """An order, the sender of the test signals."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=100)
    total = fields.DecimalField(max_digits=10, decimal_places=2, default=0)
    placed_at = fields.DatetimeField(null=True)


class Ran(Model):
    """One call of a durable receiver, recorded by the receiver itself."""

    id = fields.IntField(primary_key=True)
    event_id = fields.CharField(max_length=64)
    receiver = fields.CharField(max_length=100)
    attempt = fields.IntField()
    pid = fields.IntField()
    note = fields.CharField(max_length=200, default="")
