"""The ASGI benchmark runs its three servers and reports every variant.

Nothing here is timed: a tiny run checks that the servers start, answer
the load generator and stop, and that the report has its rows.
"""

from __future__ import annotations

import pytest
from benchmarks.asgi_overhead import main
from benchmarks.asgi_server import VARIANTS, app_for


@pytest.mark.timeout(120)
def test_a_tiny_run_reports_every_variant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rounds", "1", "--requests", "8", "--concurrency", "2"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("uvicorn, one server process per variant")
    for variant in VARIANTS:
        row = next(line.split() for line in lines if line.split()[:1] == [variant])
        assert float(row[1].replace(",", "")) > 0  # requests per second
    assert next(line for line in lines if line.split()[:1] == ["bare"]).split()[2] == "1.000"
    assert any(line.startswith("in-process") for line in lines)


def test_fewer_requests_than_connections_are_refused() -> None:
    with pytest.raises(SystemExit, match=r"--requests \(2\) must be at least --concurrency \(4\)"):
        main(["--requests", "2", "--concurrency", "4"])


def test_an_unknown_variant_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown variant 'fast'; choose from bare, wrapped"):
        app_for("fast")


def test_a_ratio_with_no_measured_bare_round_is_not_available() -> None:
    from benchmarks.asgi_overhead import _paired

    assert _paired([12.0, 30.0], [0.0, 0.0]) == "n/a"  # /proc read no tick in either round
    assert _paired([12.0, 30.0], [0.0, 10.0]) == "3.000"  # the measured round counts
