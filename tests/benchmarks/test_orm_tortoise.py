"""Smoke test of the Tortoise benchmark: it runs and prints every row (no timings asserted)."""

from __future__ import annotations

import pytest
from benchmarks.orm_tortoise import ROWS, main


def test_quick_run_prints_every_row_with_its_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--only", "create,delete"]) == 0

    out = capsys.readouterr().out
    assert "vs plain Tortoise" in out
    for row in ROWS:
        if row.operation in ("create", "delete"):
            line = next(line for line in out.splitlines() if line.startswith(f"{row.label} "))
            assert line.split()[-1] in ("met", "MISSED", "target)"), line


def test_an_unknown_operation_is_refused() -> None:
    with pytest.raises(SystemExit, match="names no operation"):
        main(["--quick", "--only", "upsert"])
