"""Smoke test of the flush / load benchmark: it runs both children and prints the ratios."""

from __future__ import annotations

import pytest
from benchmarks.sqlalchemy_flush import main


def test_a_tiny_run_prints_the_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rounds", "1", "--flushes", "4"]) == 0
    out = capsys.readouterr().out
    assert "SQLAlchemy flush, load and construction, no receiver connected" in out
    for name in ("flush", "load", "construct"):
        assert f"  {name} " in out
    assert out.count("ratio ") == 3
    assert out.count("1.10x target") == 3


def test_bad_options_are_refused() -> None:
    with pytest.raises(SystemExit, match="--rounds must be at least 1"):
        main(["--rounds", "0"])
