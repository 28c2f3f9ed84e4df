"""Django's import paths for code ported from Django: ``fastdjango.db.models.signals``."""

from . import models

__all__ = ["models"]
