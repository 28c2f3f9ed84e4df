"""``fastdjango.db.models``: only ``signals`` (models come from an ORM integration)."""

__all__: list[str] = []
