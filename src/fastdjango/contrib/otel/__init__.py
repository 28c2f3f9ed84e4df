"""OpenTelemetry traces and metrics for signals (extra ``otel``).

::

    from opentelemetry.sdk.trace import TracerProvider      # the SDK is yours to choose
    from fastdjango.contrib.otel import instrument

    instrument(tracer_provider=TracerProvider())            # or the global providers

From then on every send that reaches a receiver is a ``send {signal}`` span
with a child span per receiver, failures recorded on the receiver that
raised; sends, receiver calls, durations and failures are counted. Without
:func:`instrument` (or after :func:`uninstrument`) the dispatcher's send
path is exactly the one it has without this module.

Only the OpenTelemetry API is needed (``pip install 'fastdjango[otel]'``);
spans and measurements go nowhere until an SDK (or a vendor's distribution)
provides a tracer and a meter provider.
"""

try:
    import opentelemetry.trace  # noqa: F401
except ImportError:
    raise ImportError(
        "fastdjango.contrib.otel needs the OpenTelemetry API: pip install 'fastdjango[otel]'"
    ) from None

from ._install import instrument, uninstrument

__all__ = ["instrument", "uninstrument"]
