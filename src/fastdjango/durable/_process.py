"""Running one delivery: the one place a lease becomes a receiver call.

:func:`process` finds the receiver by name, decodes the event, calls the
receiver with its ``delivery`` keyword (cancelling it past its timeout) and
settles the lease: ``ack`` after success, ``retry`` with backoff after a
failure, ``bury`` (dead letter) once ``max_attempts`` is reached or when the
event cannot be delivered at all (malformed, unknown receiver). Only a
cancellation (a worker stopping past its grace period) leaves a lease
unsettled: its visibility timeout then hands it to another worker.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal

from . import _hooks
from ._codec import decode_arguments, decode_sender
from ._connect import Durable, DurableSpec, find_spec
from ._event import Delivery, Lease, MalformedEvent
from ._hooks import Processing
from ._transport import Transport

if TYPE_CHECKING:
    from fastdjango.core.signals import Signal

__all__ = ["Finder", "Outcome", "backoff_delay", "process"]

logger = logging.getLogger("fastdjango.durable")

Outcome = Literal["delivered", "retried", "dead"]
_DEAD: Final = "dead"


def backoff_delay(options: Durable, attempt: int) -> float:
    """Seconds before the attempt after ``attempt``: exponential, capped, jittered."""
    first, longest = options.backoff
    ceiling = min(longest, first * 2.0 ** min(attempt - 1, 64))
    return random.uniform(first, ceiling)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


Finder = Callable[[str, str], "tuple[Signal, DurableSpec] | None"]


async def process(transport: Transport, lease: Lease, find: Finder = find_spec) -> Outcome:
    """Deliver ``lease`` once and settle it; what became of it.

    ``find`` looks a receiver up by signal and receiver name (a worker passes
    a cached lookup).
    """
    hooks = _hooks.current
    if hooks is None:
        return await _process(transport, lease, find, None)
    with hooks.process(lease, transport.system) as observer:  # tracing
        return await _process(transport, lease, find, observer)


async def _process(
    transport: Transport, lease: Lease, find: Finder, observer: Processing | None
) -> Outcome:
    event = lease.event
    found = find(event.signal, lease.receiver)
    if found is None:
        error = (
            f"LookupError: no durable receiver named {lease.receiver!r} is connected to "
            f"the signal {event.signal!r} in this worker (import its module with --import)"
        )
        logger.error("Event %s dead-lettered: %s.", event.id, error)
        await _bury(transport, lease, error, observer)
        return _DEAD
    signal, spec = found
    options = spec.options
    if lease.attempt > options.max_attempts:
        error = (
            f"RuntimeError: attempt {lease.attempt} of at most {options.max_attempts}: the "
            f"last attempts were lost with their workers"
        )
        logger.error("Event %s for %s dead-lettered: %s.", event.id, spec.name, error)
        await _bury(transport, lease, error, observer)
        return _DEAD
    try:
        named = decode_arguments(event.payload)
        sender = decode_sender(event.sender)
    except MalformedEvent as exc:
        logger.error("Event %s for %s dead-lettered: %s", event.id, spec.name, exc)
        await _bury(transport, lease, _error(exc), observer, exc)
        return _DEAD
    delivery = Delivery(event.id, spec.name, lease.attempt, event.enqueued_at)
    try:
        if spec.is_async and options.timeout is None:  # the common case, one coroutine less
            result = await spec.receiver(signal=signal, sender=sender, delivery=delivery, **named)
            if inspect.isawaitable(result):
                await result
        else:
            await _call(
                spec.receiver, spec.is_async, options.timeout, signal, sender, named, delivery
            )
    except Exception as exc:
        return await _failed(transport, lease, options, exc, observer)
    await transport.ack(lease)
    if observer is not None:
        observer.delivered()
    return "delivered"


async def _bury(
    transport: Transport,
    lease: Lease,
    error: str,
    observer: Processing | None,
    exc: Exception | None = None,
) -> None:
    if observer is not None:
        observer.dead_lettered(error if exc is None else exc)
    await transport.bury(lease, error)


async def _call(
    receiver: Any,
    is_async: bool,
    limit: float | None,
    signal: object,
    sender: object,
    named: dict[str, Any],
    delivery: Delivery,
) -> None:
    if is_async:
        call = receiver(signal=signal, sender=sender, delivery=delivery, **named)
    else:  # a blocking receiver must not stall the worker's other deliveries
        call = asyncio.to_thread(receiver, signal=signal, sender=sender, delivery=delivery, **named)
    try:
        async with asyncio.timeout(limit):
            result = await call
            if inspect.isawaitable(result):
                await result
    except TimeoutError:
        raise TimeoutError(f"the receiver ran longer than its timeout of {limit} s") from None


async def _failed(
    transport: Transport,
    lease: Lease,
    options: Durable,
    exc: Exception,
    observer: Processing | None,
) -> Outcome:
    error = _error(exc)
    name, event_id = lease.receiver, lease.event.id
    if lease.attempt >= options.max_attempts:
        logger.error(
            "%s failed on event %s, attempt %d of %d; dead-lettered: %s",
            name,
            event_id,
            lease.attempt,
            options.max_attempts,
            error,
            exc_info=exc,
        )
        await _bury(transport, lease, error, observer, exc)
        return _DEAD
    delay = backoff_delay(options, lease.attempt)
    logger.warning(
        "%s failed on event %s, attempt %d of %d; retrying in %.2f s: %s",
        name,
        event_id,
        lease.attempt,
        options.max_attempts,
        delay,
        error,
        exc_info=exc,
    )
    if observer is not None:
        observer.retried(delay, exc)
    await transport.retry(lease, delay, error)
    return "retried"
