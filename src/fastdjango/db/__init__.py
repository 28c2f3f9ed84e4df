"""Django's import paths for code ported from Django: ``fastdjango.db.models.signals``."""

__all__: list[str] = []
