"""``configure(transport)``: the transport this process's durable sends and workers use."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._transport import Transport, is_transport

__all__ = ["Settings", "configure", "current_settings"]

#: Seconds a claimed delivery stays invisible to other workers (a crashed
#: worker's deliveries are redelivered after at most this long).
DEFAULT_VISIBILITY = 60.0
#: Seconds an outbox row may stay unpublished before a worker relays it.
DEFAULT_RELAY_DELAY = 30.0


@dataclass(frozen=True, slots=True)
class Settings:
    """What :func:`configure` set (see its arguments)."""

    transport: Transport
    visibility: float
    relay_delay: float


_settings: Settings | None = None


def configure(
    transport: Transport | None,
    *,
    visibility: float = DEFAULT_VISIBILITY,
    relay_delay: float = DEFAULT_RELAY_DELAY,
) -> None:
    """Choose the transport of durable receivers, at start-up (web and worker alike).

    Args:
        transport: ``DatabaseTransport()``, ``InlineTransport()`` (tests),
            ``fastdjango.contrib.redis.RedisStreams(url)``; None forgets the
            configuration (a durable send then raises ``RuntimeError``).
        visibility: Seconds a delivery claimed by a worker stays invisible to
            the others; past it (the worker died) it is delivered again.
        relay_delay: Seconds an event may stay in the outbox unpublished
            before a worker publishes it (the sender died after its commit).
            Only relaying transports (Redis) use it.

    Raises:
        TypeError: ``transport`` is not a transport, or a duration not a number.
        ValueError: A duration is not positive.
    """
    global _settings
    if transport is None:
        _settings = None
        return
    if not is_transport(transport):
        raise TypeError(
            f"configure() takes a transport such as DatabaseTransport() or "
            f"InlineTransport(), got {transport!r}."
        )
    for name, value in (("visibility", visibility), ("relay_delay", relay_delay)):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise TypeError(f"configure({name}=...) takes seconds, got {value!r}.")
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"configure({name}=...) must be a positive number, got {value!r}.")
    _settings = Settings(transport, float(visibility), float(relay_delay))


def current_settings() -> Settings:
    """The configured settings.

    Raises:
        RuntimeError: Nothing is configured; the message says how.
    """
    settings = _settings
    if settings is None:
        raise RuntimeError(
            "A durable receiver was sent to, but no transport is configured: call "
            "fastdjango.durable.configure(DatabaseTransport()) at start-up (in tests: "
            "configure(InlineTransport()))."
        )
    return settings
