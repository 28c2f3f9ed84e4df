"""``python -m benchmarks``: run the peer benchmark and print the table."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .lineup import lineup
from .report import document, render
from .runner import FULL, QUICK, Settings, run
from .scenarios import BY_KEY, SCENARIOS, Scenario


def _scenarios(names: Sequence[str] | None) -> list[Scenario]:
    if not names:
        return list(SCENARIOS)
    wanted = {name.strip().upper() for value in names for name in value.split(",") if name.strip()}
    unknown = sorted(wanted - BY_KEY.keys())
    if unknown:
        raise SystemExit(f"Unknown scenario {', '.join(unknown)}; choose from {' '.join(BY_KEY)}.")
    return [scenario for scenario in SCENARIOS if scenario.key in wanted]


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="fastdjango's signal dispatcher against Django, blinker, psygnal, "
        "aiosignal and a hand-written floor.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a few short rounds: checks the harness, not speed"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="KEYS",
        help=f"run only these scenarios (repeat or comma-separate): {' '.join(BY_KEY)}",
    )
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 20, quick 3)")
    parser.add_argument("--json", action="store_true", help="print a JSON document instead")
    parser.add_argument(
        "--otel",
        action="store_true",
        help="then measure what OpenTelemetry instrumentation costs (benchmarks.otel_overhead)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] == ["redis"]:  # delivery through Redis: its own harness
        from .redis_streams.run import main as redis_main

        return redis_main(arguments[1:])
    options = parse(argv)
    settings = QUICK if options.quick else FULL
    if options.rounds is not None:
        if options.rounds < 1:
            raise SystemExit(f"--rounds must be at least 1, got {options.rounds}.")
        settings = Settings(options.rounds, settings.min_ns, settings.memory_receivers)
    results = run(_scenarios(options.scenario), lineup(), settings)
    if options.json:
        print(json.dumps(document(results), indent=2))
    else:
        print(render(results))
    if options.otel:
        from .otel_overhead import main as otel_overhead

        print()
        otel_overhead(["--quick"] if options.quick else [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
