"""``instrument()`` and ``uninstrument()``: plug the tracing into the dispatcher."""

from __future__ import annotations

import threading

from opentelemetry import metrics, trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from fastdjango import __version__
from fastdjango.core.signals._instrument import set_instrumentation
from fastdjango.durable._hooks import set_hooks

from ._durable import DurableInstrumentation
from ._metrics import DurableMetrics, SignalMetrics
from ._signals import SignalInstrumentation

__all__ = ["instrument", "uninstrument"]

#: The name tracers and meters carry (the instrumentation scope).
SCOPE = "fastdjango"

_lock = threading.Lock()
_current: SignalInstrumentation | None = None


def instrument(
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    *,
    parent_durable: bool = False,
) -> None:
    """Trace and count every signal send from now on.

    Each send that reaches at least one receiver becomes a ``send {signal}``
    span (kind INTERNAL) with a child span per receiver it calls, named
    after the receiver; a receiver's exception is recorded on its span,
    whose status becomes ERROR, for ``send`` and ``send_robust`` alike.
    Muted receivers, and receivers connected for other senders, get no span.
    Sends count in the ``fastdjango.signal.sends``,
    ``fastdjango.receiver.calls``, ``fastdjango.receiver.duration`` and
    ``fastdjango.receiver.failures`` instruments.

    Durable receivers: each event records a ``create {receiver}`` span
    (PRODUCER) per receiver and carries its trace context in its headers;
    the worker's ``process {receiver}`` span (CONSUMER) links to it, with
    the messaging attributes, the attempt, and the retry or dead letter as
    a span event. Call ``instrument()`` in the worker too (in its
    ``--setup``). Their instruments follow the messaging conventions
    (``messaging.client.sent.messages``, ``messaging.client.consumed.messages``,
    ``messaging.process.duration``), with ``fastdjango.durable.delivered``,
    ``.retried``, ``.dead_lettered`` and the ``fastdjango.durable.lag`` gauge.

    Calling it again replaces the providers and options used until then.

    Args:
        tracer_provider: where spans go; by default OpenTelemetry's global
            provider (``opentelemetry.trace.set_tracer_provider``), also one
            set after this call.
        meter_provider: where measurements go; by default the global one.
        parent_durable: make a worker's ``process`` span the child of the
            ``create`` span it links to, so that one trace runs from the
            request into the worker. By default it starts a trace of its
            own, as the messaging conventions recommend: a worker's trace
            then stays small however the event was sent.

    Raises:
        TypeError: a provider is not an OpenTelemetry provider, or
            ``parent_durable`` is not a bool.
    """
    if not isinstance(parent_durable, bool):
        raise TypeError(f"parent_durable must be True or False, got {parent_durable!r}.")
    if tracer_provider is not None and not callable(getattr(tracer_provider, "get_tracer", None)):
        raise TypeError(
            f"tracer_provider must be an OpenTelemetry TracerProvider (with get_tracer()), "
            f"got {tracer_provider!r}; pass None to use the global one."
        )
    if meter_provider is not None and not callable(getattr(meter_provider, "get_meter", None)):
        raise TypeError(
            f"meter_provider must be an OpenTelemetry MeterProvider (with get_meter()), "
            f"got {meter_provider!r}; pass None to use the global one."
        )
    tracer = trace.get_tracer(SCOPE, __version__, tracer_provider)
    meter = metrics.get_meter(SCOPE, __version__, meter_provider)
    instrumentation = SignalInstrumentation(tracer, SignalMetrics(meter))
    durable = DurableInstrumentation(tracer, DurableMetrics(meter), parent=parent_durable)
    global _current
    with _lock:
        _current = instrumentation
        set_hooks(durable)
        set_instrumentation(instrumentation)


def uninstrument() -> None:
    """Stop tracing: sends take their untouched path again (idempotent)."""
    global _current
    with _lock:
        if _current is not None:
            _current = None
            set_instrumentation(None)
            set_hooks(None)
