"""Django-style imports: ``from fastdjango.dispatch import Signal, receiver``."""

from .core.signals import Signal, receiver

__all__ = ["Signal", "receiver"]
