"""fastdjango: async-first signals for Python web services."""

from .discovery import autodiscover

__all__ = ["__version__", "autodiscover"]

__version__ = "0.1.0"
