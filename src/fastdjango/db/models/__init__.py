"""``fastdjango.db.models``: only ``signals`` (models come from an ORM integration)."""

from . import signals

__all__ = ["signals"]
