"""fastdjango: async-first signals for Python web services."""

__version__ = "0.1.0"
