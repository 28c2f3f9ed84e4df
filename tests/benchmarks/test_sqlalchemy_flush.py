"""Smoke test of the flush benchmark: it runs both children and prints the ratio."""

from __future__ import annotations

import pytest
from benchmarks.sqlalchemy_flush import main


def test_a_tiny_run_prints_the_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rounds", "1", "--flushes", "4"]) == 0
    out = capsys.readouterr().out
    assert "SQLAlchemy flush, no receiver connected" in out
    assert "ratio " in out
    assert "1.10x target" in out


def test_bad_options_are_refused() -> None:
    with pytest.raises(SystemExit, match="--rounds must be at least 1"):
        main(["--rounds", "0"])
