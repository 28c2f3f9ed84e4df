"""The metric instruments, named and united after OpenTelemetry's conventions.

In-process signals are no messaging system, so their instruments live under
``fastdjango.``; durable deliveries are, and use the messaging conventions'
names where they define one (``messaging.client.sent.messages``,
``messaging.client.consumed.messages``, ``messaging.process.duration``).
A failure is counted with the conventions' ``error.type`` attribute, the
exception's qualified class name.
"""

from __future__ import annotations

from typing import Final

from opentelemetry.metrics import Meter

__all__ = ["DURATION_BUCKETS", "DurableMetrics", "SignalMetrics", "error_type"]

#: Histogram boundaries in seconds: receivers often take well under a
#: millisecond, which the SDK's default boundaries (made for milliseconds)
#: would lump into one bucket.
DURATION_BUCKETS: Final = (
    0.0001,
    0.0005,
    0.001,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class SignalMetrics:
    """Instruments for in-process sends and receiver calls.

    * ``fastdjango.signal.sends`` (counter, ``{send}``): sends that reached
      at least one receiver, by ``fastdjango.signal`` and ``fastdjango.sender``;
    * ``fastdjango.receiver.calls`` (counter, ``{call}``): receiver calls, by
      signal and ``fastdjango.receiver``, with ``error.type`` when one raised;
    * ``fastdjango.receiver.duration`` (histogram, ``s``): how long each took;
    * ``fastdjango.receiver.failures`` (counter, ``{failure}``): calls that
      raised, by signal, receiver and ``error.type``.
    """

    def __init__(self, meter: Meter) -> None:
        self.sends = meter.create_counter(
            "fastdjango.signal.sends", unit="{send}", description="Sends that reached receivers."
        )
        self.calls = meter.create_counter(
            "fastdjango.receiver.calls", unit="{call}", description="Receiver calls."
        )
        self.duration = meter.create_histogram(
            "fastdjango.receiver.duration",
            unit="s",
            description="How long receiver calls took.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.failures = meter.create_counter(
            "fastdjango.receiver.failures",
            unit="{failure}",
            description="Receiver calls that raised.",
        )


class DurableMetrics:
    """Instruments for durable deliveries.

    * ``messaging.client.sent.messages`` (counter, ``{message}``): deliveries
      created at send time, one per durable receiver;
    * ``messaging.client.consumed.messages`` (counter, ``{message}``):
      deliveries a worker took to process;
    * ``messaging.process.duration`` (histogram, ``s``): how long processing
      took, with ``error.type`` when the receiver raised;
    * ``fastdjango.durable.delivered``, ``fastdjango.durable.retried`` and
      ``fastdjango.durable.dead_lettered`` (counters, ``{delivery}``): how
      processing ended;
    * ``fastdjango.durable.lag`` (gauge, ``s``): how long the last delivery
      taken waited since its event was enqueued.

    All carry ``messaging.system``, ``messaging.destination.name`` (the
    signal) and ``messaging.consumer.group.name`` (the receiver).
    """

    def __init__(self, meter: Meter) -> None:
        self.sent = meter.create_counter(
            "messaging.client.sent.messages",
            unit="{message}",
            description="Durable deliveries created.",
        )
        self.consumed = meter.create_counter(
            "messaging.client.consumed.messages",
            unit="{message}",
            description="Durable deliveries taken by a worker.",
        )
        self.duration = meter.create_histogram(
            "messaging.process.duration",
            unit="s",
            description="How long a worker took to process a delivery.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.delivered = meter.create_counter(
            "fastdjango.durable.delivered",
            unit="{delivery}",
            description="Deliveries whose receiver succeeded.",
        )
        self.retried = meter.create_counter(
            "fastdjango.durable.retried",
            unit="{delivery}",
            description="Deliveries scheduled again after their receiver failed.",
        )
        self.dead_lettered = meter.create_counter(
            "fastdjango.durable.dead_lettered",
            unit="{delivery}",
            description="Deliveries given up after their last attempt.",
        )
        self.lag = meter.create_gauge(
            "fastdjango.durable.lag",
            unit="s",
            description="How long a delivery waited between enqueue and processing.",
        )


def error_type(error: BaseException) -> str:
    """The conventions' ``error.type``: the exception's qualified class name."""
    kind = type(error)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
