"""Spans and metrics of durable deliveries, after the messaging conventions.

At send time, :meth:`DurableInstrumentation.create` makes a PRODUCER span
``create {receiver}`` per durable receiver of the new event (children of
the ``send`` span) and returns the headers that carry each one's context
to the worker. There, :meth:`DurableInstrumentation.process` makes the
CONSUMER span ``process {receiver}`` around one delivery, linked to the
creation context (and, with ``parent_durable=True``, its child), with the
retry or the dead letter that ended it as a span event.

One event serves every durable receiver of a send, but each receiver has
its own ``create`` span: the standard headers (``traceparent``,
``tracestate``, ``baggage``, whatever the configured propagator writes)
carry the first receiver's, and ``{header}@{receiver}`` the others'.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final

from opentelemetry import context, propagate, trace
from opentelemetry.propagators.textmap import Getter, Setter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, Tracer

from fastdjango.durable._event import Lease

from ._metrics import DurableMetrics
from ._signals import record_failure

__all__ = ["DurableInstrumentation"]

SYSTEM: Final = "messaging.system"
OPERATION_TYPE: Final = "messaging.operation.type"
OPERATION_NAME: Final = "messaging.operation.name"
DESTINATION: Final = "messaging.destination.name"
CONSUMER_GROUP: Final = "messaging.consumer.group.name"
MESSAGE_ID: Final = "messaging.message.id"
ATTEMPT: Final = "fastdjango.delivery.attempt"
RECEIVER: Final = "fastdjango.receiver"


class _Headers(Setter[dict[str, str]], Getter[Mapping[str, str]]):
    """One receiver's view of an event's headers (see the module docs)."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def set(self, carrier: dict[str, str], key: str, value: str) -> None:
        carrier[f"{key}{self.suffix}"] = value

    def get(self, carrier: Mapping[str, str], key: str) -> list[str] | None:
        value = carrier.get(f"{key}{self.suffix}", carrier.get(key))
        return None if value is None else [value]

    def keys(self, carrier: Mapping[str, str]) -> list[str]:
        return [key.removesuffix(self.suffix) for key in carrier]


_FIRST: Final = _Headers("")


def _writer(receivers: tuple[str, ...], receiver: str) -> _Headers:
    return _FIRST if receivers[0] == receiver else _Headers(f"@{receiver}")


def _system() -> str:
    from fastdjango.durable._config import current_settings

    try:
        return current_settings().transport.system
    except RuntimeError:  # pragma: no cover - enqueue checked it first
        return "unknown"


class DurableInstrumentation:
    """The durable hooks: ``create`` at send time, ``process`` in the worker.

    Args:
        tracer: makes the spans.
        metrics: the instruments to count with.
        parent: make each ``process`` span a child of its ``create`` span
            (one trace from the request into the worker) besides linking to
            it; by default it starts a trace of its own.
    """

    def __init__(self, tracer: Tracer, metrics: DurableMetrics, *, parent: bool = False) -> None:
        self.tracer = tracer
        self.metrics = metrics
        self.parent = parent

    def create(self, event_id: str, signal: str, receivers: tuple[str, ...]) -> dict[str, str]:
        """Trace the creation of a new event; the headers it travels with."""
        system = _system()
        headers: dict[str, str] = {}
        for receiver in receivers:
            attributes: dict[str, Any] = {
                SYSTEM: system,
                OPERATION_TYPE: "create",
                OPERATION_NAME: "create",
                DESTINATION: signal,
                MESSAGE_ID: event_id,
                RECEIVER: receiver,
            }
            span = self.tracer.start_span(
                f"create {receiver}", kind=SpanKind.PRODUCER, attributes=attributes
            )
            try:
                created = trace.set_span_in_context(span)
                propagate.inject(headers, context=created, setter=_writer(receivers, receiver))
            finally:
                span.end()
            self.metrics.sent.add(
                1, {SYSTEM: system, DESTINATION: signal, CONSUMER_GROUP: receiver}
            )
        return headers

    def process(self, lease: Lease, system: str) -> _ProcessScope:
        """The block around one delivery of ``lease`` by a worker."""
        return _ProcessScope(self, lease, system)


class _ProcessScope:
    """One delivery: its span is current while the receiver runs.

    The worker tells it how the delivery ended: :meth:`delivered`,
    :meth:`retried` or :meth:`dead_lettered`.
    """

    __slots__ = ("_attributes", "_error_type", "_lease", "_owner", "_span", "_start", "_token")

    def __init__(self, owner: DurableInstrumentation, lease: Lease, system: str) -> None:
        self._owner = owner
        self._lease = lease
        self._error_type: str | None = None  # how it failed, if it did
        event = lease.event
        self._attributes: dict[str, Any] = {
            SYSTEM: system,
            DESTINATION: event.signal,
            CONSUMER_GROUP: lease.receiver,
        }

    def __enter__(self) -> _ProcessScope:
        owner, lease = self._owner, self._lease
        event = lease.event
        # The receiver's own headers, else the standard ones: a transport may
        # hand a lease an event that lists only that receiver.
        created = propagate.extract(event.headers, getter=_Headers(f"@{lease.receiver}"))
        creation = trace.get_current_span(created).get_span_context()
        links = [Link(creation)] if creation.is_valid else []
        self._span = owner.tracer.start_span(
            f"process {lease.receiver}",
            context=created if owner.parent else context.Context(),
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={
                **self._attributes,
                OPERATION_TYPE: "process",
                OPERATION_NAME: "process",
                MESSAGE_ID: event.id,
                ATTEMPT: lease.attempt,
            },
        )
        # Baggage travels on: the receiver sees the sender's.
        self._token = context.attach(trace.set_span_in_context(self._span, created))
        metrics = owner.metrics
        metrics.consumed.add(1, self._attributes)
        metrics.lag.set(max(time.time() - event.enqueued_at.timestamp(), 0.0), self._attributes)
        self._start = time.perf_counter()
        return self

    def delivered(self) -> None:
        """The receiver succeeded and the delivery was acknowledged."""
        self._owner.metrics.delivered.add(1, self._attributes)

    def retried(self, delay: float, error: BaseException | str) -> None:
        """The receiver failed; the delivery comes back in ``delay`` seconds."""
        self._error_type = self._failed(error)
        self._span.add_event(
            "retry", {"fastdjango.retry.delay": delay, ATTEMPT: self._lease.attempt}
        )
        self._owner.metrics.retried.add(1, self._attributes)

    def dead_lettered(self, error: BaseException | str) -> None:
        """The delivery was given up (its last attempt failed, or it cannot be delivered)."""
        self._error_type = self._failed(error)
        self._span.add_event("dead_letter", {ATTEMPT: self._lease.attempt})
        self._owner.metrics.dead_lettered.add(1, self._attributes)

    def _failed(self, error: BaseException | str) -> str | None:
        if isinstance(error, BaseException):
            return record_failure(self._span, error)
        kind = error.partition(":")[0] or "error"  # the worker's "Type: message"
        self._span.set_attribute("error.type", kind)
        self._span.set_status(Status(StatusCode.ERROR, error))
        return kind

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        elapsed = time.perf_counter() - self._start
        attributes = self._attributes
        try:
            if error is not None:
                self._error_type = record_failure(self._span, error) or self._error_type
            self._span.end()
        finally:
            context.detach(self._token)
        if self._error_type is not None:
            attributes = {**attributes, "error.type": self._error_type}
        self._owner.metrics.duration.record(elapsed, attributes)
