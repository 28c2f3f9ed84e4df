"""``python -m benchmarks.otel_overhead``: what ``instrument()`` costs a send.

The rows of the peer table with one receiver (A1, S1) and none (A0), for
fastdjango uninstrumented, instrumented with OpenTelemetry's no-op tracer
and meter providers (the API alone, no SDK), and instrumented with the SDK
writing spans to its in-memory exporter and metrics to its in-memory reader
(every span is made, timed, ended and exported; nothing leaves the process),
next to blinker, Django and the floor measured in the same run, and "sdk by
hand": the floor doing the SDK work of the ``otel sdk`` column itself (the
same spans and measurements), so that what remains is the instrumentation's
own cost.

Instrumentation is process-wide, so each cell switches it on or off before
each of its measurements; rounds are interleaved and shuffled as in the
peer table. ``--instructions`` counts instructions with callgrind instead
(one child process per cell and length, see ``benchmarks.instructions``):
repeatable where wall clock is not.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracerProvider

from fastdjango.contrib.otel import instrument, uninstrument

from .instructions import LONG, SHORT, count_instructions
from .lineup import lineup
from .peers import Mode, NotApplicable, Peer, Target, function_target
from .receivers import Receiver, Sender
from .runner import FULL, QUICK, Settings
from .scenarios import BY_KEY, Scenario, build
from .timing import EMPTY, Loop

ROWS = ("A0", "A1", "S1")
PEERS = ("bl.send", "bl.async", "dj.cached", "floor")


class _InMemory:
    """SDK providers that keep what they record (cleared between measurements)."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])

    def on(self) -> None:
        self.exporter.clear()
        instrument(tracer_provider=self.tracer_provider, meter_provider=self.meter_provider)


class HandTraced(Peer[dict[object, list[Receiver]]]):
    """The floor with the SDK's work written out: the same spans and measurements.

    A send span around the loop, a span, two counts and a duration per
    receiver, as a hand-written dispatcher would record them; what the
    ``otel sdk`` column costs beyond it is the instrumentation's own.
    """

    def __init__(self, telemetry: _InMemory) -> None:
        super().__init__("sdk by hand", None, {"registry": "no registry"})
        self.tracer = telemetry.tracer_provider.get_tracer("by hand")
        meter = telemetry.meter_provider.get_meter("by hand")
        self.sends = meter.create_counter("sends")
        self.calls = meter.create_counter("calls")
        self.duration = meter.create_histogram("duration")

    def new_signal(self) -> dict[object, list[Receiver]]:
        return {}

    def connect(
        self, signal: dict[object, list[Receiver]], receiver: Receiver, sender: object
    ) -> None:
        signal.setdefault(sender, []).append(receiver)

    def send_target(
        self, signal: dict[object, list[Receiver]], mode: Mode, sync_receivers: bool
    ) -> Target:
        receivers = signal.get(Sender, [])
        tracer, sends, calls, duration = self.tracer, self.sends, self.calls, self.duration
        attributes = {"fastdjango.signal": "bench", "fastdjango.sender": "Sender"}

        def loop(sender: object, **named: object) -> list[tuple[Receiver, object]]:
            responses: list[tuple[Receiver, object]] = []
            if not receivers:
                return responses
            with tracer.start_as_current_span("send bench", attributes=attributes):
                for receiver in receivers:
                    with tracer.start_as_current_span("receiver", attributes=attributes):
                        start = time.perf_counter()
                        responses.append(
                            (receiver, receiver(signal=signal, sender=sender, **named))
                        )
                        duration.record(time.perf_counter() - start, attributes)
                        calls.add(1, attributes)
            sends.add(1, attributes)
            return responses

        async def awaiting(sender: object, **named: object) -> list[tuple[Receiver, object]]:
            responses: list[tuple[Receiver, object]] = []
            if not receivers:
                return responses
            with tracer.start_as_current_span("send bench", attributes=attributes):
                for receiver in receivers:
                    with tracer.start_as_current_span("receiver", attributes=attributes):
                        start = time.perf_counter()
                        response = receiver(signal=signal, sender=sender, **named)
                        if not sync_receivers:
                            response = await response
                        responses.append((receiver, response))
                        duration.record(time.perf_counter() - start, attributes)
                        calls.add(1, attributes)
            sends.add(1, attributes)
            return responses

        return function_target(loop if mode == "sync" else awaiting, mode)


def _no_op() -> None:
    instrument(tracer_provider=NoOpTracerProvider(), meter_provider=NoOpMeterProvider())


@dataclass(frozen=True)
class Column:
    """One column: a peer, and what to switch on before it is measured."""

    label: str
    peer: Peer[Any]
    switch: Callable[[], None]


def columns(labels: Sequence[str] = PEERS) -> list[Column]:
    """fastdjango off, with the no-op providers, with the SDK; then the peers."""
    peers = {peer.label: peer for peer in lineup()}
    fastdjango = peers["fastdjango"]
    telemetry = _InMemory()
    return [
        Column("fastdjango", fastdjango, uninstrument),
        Column("otel no-op", fastdjango, _no_op),
        Column("otel sdk", fastdjango, telemetry.on),
        Column("sdk by hand", HandTraced(telemetry), telemetry.on),
        *(Column(label, peers[label], uninstrument) for label in labels),
    ]


def measure(scenarios: Sequence[Scenario], settings: Settings) -> dict[tuple[str, str], float]:
    """Median ns per send of every cell, the empty loop's cost subtracted."""
    event_loop = asyncio.new_event_loop()
    cells: list[tuple[tuple[str, str], Column, Loop, int]] = []
    try:
        for scenario in scenarios:
            for column in columns():
                column.switch()
                try:
                    loop = Loop(build(scenario, column.peer), event_loop)
                except NotApplicable:
                    continue  # blinker's send() is sync, its send_async() async
                iterations = loop.calibrate(settings.min_ns)
                cells.append(((scenario.key, column.label), column, loop, iterations))
        uninstrument()
        empty = Loop(EMPTY, event_loop)
        empty_iterations = empty.calibrate(settings.min_ns)
        samples: dict[tuple[str, str], list[float]] = {key: [] for key, *_ in cells}
        loop_samples: list[float] = []
        shuffler = random.Random(0)
        for number in range(settings.rounds):
            gc.collect()
            shuffler.shuffle(cells)
            for key, column, loop, iterations in cells:
                column.switch()
                loop.run(1)  # the first send after a switch refreshes the signal
                samples[key].append(loop.run(iterations) / iterations)
            uninstrument()
            loop_samples.append(empty.run(empty_iterations) / empty_iterations)
            print(f"round {number + 1}/{settings.rounds}", file=sys.stderr, flush=True)
    finally:
        uninstrument()
        event_loop.close()
    floor = statistics.median(loop_samples)
    return {key: max(statistics.median(values) - floor, 0.0) for key, values in samples.items()}


def _child(scenario: str, label: str, number: int) -> None:
    column = next(column for column in columns() if column.label == label)
    event_loop = asyncio.new_event_loop()
    try:
        column.switch()
        loop = Loop(build(BY_KEY[scenario], column.peer), event_loop)
        loop.run(1)
        loop.run(number)
    finally:
        uninstrument()
        event_loop.close()


def _applies(scenario: Scenario, column: Column) -> bool:
    try:
        column.peer.check(scenario.needs)
    except NotApplicable:
        return False
    return True


def count(scenarios: Sequence[Scenario]) -> dict[tuple[str, str], float]:
    """Instructions per send of every cell, under callgrind."""
    jobs = [
        (scenario.key, column.label)
        for scenario in scenarios
        for column in columns()
        if _applies(scenario, column)
    ]

    def per_send(job: tuple[str, str]) -> float:
        child = ["-m", "benchmarks.otel_overhead", "--child", *job]
        short = count_instructions([*child, str(SHORT)], " / ".join(job))
        long = count_instructions([*child, str(LONG)], " / ".join(job))
        return (long - short) / (LONG - SHORT)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(per_send, jobs), strict=True))


def render(values: dict[tuple[str, str], float], unit: str, scenarios: Sequence[Scenario]) -> str:
    """The table, and each instrumented column as a multiple of fastdjango off."""
    labels = [column.label for column in columns()]
    width = max(len(label) for label in labels) + 2
    lines = [
        f"What instrument() costs, {unit} per send",
        " " * 5 + "".join(label.rjust(width) for label in labels),
    ]
    for scenario in scenarios:
        row = (
            f"{values[scenario.key, label]:,.0f}" if (scenario.key, label) in values else "n/a"
            for label in labels
        )
        lines.append(f"{scenario.key:<5}" + "".join(text.rjust(width) for text in row))
    lines.append("")
    for scenario in scenarios:
        off = values[scenario.key, "fastdjango"]
        ratios = ", ".join(
            f"{label} {values[scenario.key, label] / off:.1f}x" if off else f"{label} -"
            for label in ("otel no-op", "otel sdk")
        )
        lines.append(f"{scenario.key:<5}{scenario.title}: {ratios} fastdjango uninstrumented")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.otel_overhead")
    parser.add_argument(
        "--child", nargs=3, metavar=("SCENARIO", "COLUMN", "N"), help=argparse.SUPPRESS
    )
    parser.add_argument("--quick", action="store_true", help="a few short rounds")
    parser.add_argument("--instructions", action="store_true", help="count with callgrind")
    options = parser.parse_args(argv)
    if options.child:
        scenario, label, number = options.child
        _child(scenario, label, int(number))
        return 0
    scenarios = [BY_KEY[key] for key in ROWS]
    if options.instructions:
        print(render(count(scenarios), "instructions", scenarios))
    else:
        print(render(measure(scenarios, QUICK if options.quick else FULL), "ns", scenarios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
