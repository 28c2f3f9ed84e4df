"""The instruction-count mode: it runs under valgrind and fills its table.

Counts are not asserted beyond being positive: what is checked is that the
children run, the counts are parsed, and the targets are evaluated.
"""

from __future__ import annotations

import shutil

import pytest
from benchmarks.instructions import main

needs_valgrind = pytest.mark.skipif(
    shutil.which("valgrind") is None, reason="valgrind is not installed"
)


@needs_valgrind
@pytest.mark.timeout(180)
def test_counts_one_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "S0", "--peers", "fastdjango,empty fn"]) == 0

    lines = capsys.readouterr().out.splitlines()
    row = next(line for line in lines if line.startswith("S0 "))
    counts = [int(value.replace(",", "")) for value in row.split()[1:]]
    assert len(counts) == 2
    assert all(count > 0 for count in counts)
    assert any("fastdjango" in line and "empty fn" in line for line in lines)


def test_an_unknown_peer_is_refused() -> None:
    with pytest.raises(SystemExit, match="Unknown peer nobody"):
        main(["--scenario", "S0", "--peers", "fastdjango,nobody"])
