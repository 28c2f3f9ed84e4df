"""Spans and metrics for in-process sends: what the dispatcher's hooks call.

The dispatcher wraps each send that reaches at least one receiver in
``instrumentation.send(signal, sender, receivers)`` and each receiver call
in ``instrumentation.receiver(signal, receiver)`` (inside the receiver's task
for concurrent signals). :class:`SignalInstrumentation` answers both with a
small context manager: the send one starts a ``send {signal}`` span and
makes it current, so the receiver spans, started the same way, are its
children; both end their span when the block ends, record the exception
that ended it, and count.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextvars import Token
from types import TracebackType
from typing import Any, Final

from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from fastdjango.core.signals import Signal

from ._metrics import SignalMetrics, error_type
from ._names import NAMES, Names

__all__ = [
    "RECEIVER",
    "RECEIVERS",
    "SENDER",
    "SIGNAL",
    "SignalInstrumentation",
    "record_failure",
]

#: Span and metric attributes of in-process signals.
SIGNAL: Final = "fastdjango.signal"
SENDER: Final = "fastdjango.sender"
RECEIVERS: Final = "fastdjango.receivers"
RECEIVER: Final = "fastdjango.receiver"
_CODE_FUNCTION: Final = "code.function.name"
_ERROR_TYPE: Final = "error.type"

Attributes = dict[str, Any]


def record_failure(span: trace.Span, error: BaseException) -> str | None:
    """Mark ``span`` as ended by ``error``; return its ``error.type`` (None if cancelled).

    A cancelled receiver did not fail (another one did, or the caller gave
    up): its span gets a ``cancelled`` event and keeps an unset status.
    """
    if isinstance(error, asyncio.CancelledError):
        span.add_event("cancelled")
        return None
    kind = error_type(error)
    span.record_exception(error, escaped=True)
    span.set_attribute(_ERROR_TYPE, kind)
    span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    return kind


def _enter(span: trace.Span) -> Token[Context] | None:
    """Make ``span`` current; None (nothing to undo) for an invalid one.

    A no-op tracer gives the invalid span when no valid span is current, so
    making it current would change nothing: skipping it makes the no-op
    providers cheaper.
    """
    if span is trace.INVALID_SPAN:
        return None
    return context.attach(trace.set_span_in_context(span))


class SignalInstrumentation:
    """Trace and count sends and receiver calls (the dispatcher's protocol).

    Args:
        tracer: makes the spans.
        metrics: the instruments to count with.
        names: how signals, senders and receivers are named.
    """

    def __init__(self, tracer: Tracer, metrics: SignalMetrics, names: Names = NAMES) -> None:
        self.tracer = tracer
        self.metrics = metrics
        self.names = names
        # Strings and attribute mappings, made once per signal, sender and
        # receiver rather than on every send.
        self._send_names: dict[str | None, str] = {}
        self._send_attributes: dict[tuple[str | None, str], Attributes] = {}
        self._receiver_attributes: dict[tuple[str | None, str], tuple[Attributes, Attributes]] = {}

    def send(self, signal: Signal, sender: object, receivers: int) -> _SendScope:
        """The block around one send reaching ``receivers`` receivers."""
        name = signal.name
        span_name = self._send_names.get(name)
        if span_name is None:
            span_name = self._send_names[name] = "send" if name is None else f"send {name}"
        label = self.names.sender(sender)
        attributes = self._send_attributes.get((name, label))
        if attributes is None:
            attributes = {SENDER: label} if name is None else {SIGNAL: name, SENDER: label}
            self._send_attributes[name, label] = attributes
        return _SendScope(self, span_name, attributes, receivers)

    def receiver(self, signal: Signal, receiver: Callable[..., Any]) -> _ReceiverScope:
        """The block around one call of ``receiver`` by a send of ``signal``."""
        name = signal.name
        receiver_name = self.names.receiver(receiver)
        attributes = self._receiver_attributes.get((name, receiver_name))
        if attributes is None:
            counted: Attributes = {RECEIVER: receiver_name}
            if name is not None:
                counted[SIGNAL] = name
            # The span also says where the code is, as the conventions name it.
            attributes = ({**counted, _CODE_FUNCTION: receiver_name}, counted)
            self._receiver_attributes[name, receiver_name] = attributes
        return _ReceiverScope(self, receiver_name, *attributes)


class _SendScope:
    """One send: its span is current while the receivers run."""

    __slots__ = ("_attributes", "_name", "_owner", "_receivers", "_span", "_token")

    def __init__(
        self, owner: SignalInstrumentation, name: str, attributes: Attributes, receivers: int
    ) -> None:
        self._owner = owner
        self._name = name
        self._attributes = attributes
        self._receivers = receivers

    def __enter__(self) -> trace.Span:
        span = self._owner.tracer.start_span(
            self._name,
            kind=SpanKind.INTERNAL,
            attributes={**self._attributes, RECEIVERS: self._receivers},
        )
        self._token = _enter(span)
        self._span = span
        return span

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if error is not None:
                record_failure(self._span, error)
            self._span.end()
        finally:
            if self._token is not None:
                context.detach(self._token)
        self._owner.metrics.sends.add(1, self._attributes)


class _ReceiverScope:
    """One receiver call: a child span of the send, timed and counted."""

    __slots__ = ("_attributes", "_counted", "_name", "_owner", "_span", "_start", "_token")

    def __init__(
        self,
        owner: SignalInstrumentation,
        name: str,
        attributes: Attributes,
        counted: Attributes,
    ) -> None:
        self._owner = owner
        self._name = name
        self._attributes = attributes
        self._counted = counted

    def __enter__(self) -> trace.Span:
        span = self._owner.tracer.start_span(
            self._name, kind=SpanKind.INTERNAL, attributes=self._attributes
        )
        self._token = _enter(span)
        self._span = span
        self._start = time.perf_counter()
        return span

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        elapsed = time.perf_counter() - self._start
        attributes = self._counted
        failed = None
        try:
            if error is not None:
                failed = record_failure(self._span, error)
            self._span.end()
        finally:
            if self._token is not None:
                context.detach(self._token)
        metrics = self._owner.metrics
        if failed is not None:
            attributes = {**attributes, _ERROR_TYPE: failed}
            metrics.failures.add(1, attributes)
        metrics.calls.add(1, attributes)
        metrics.duration.record(elapsed, attributes)
