"""The durable side of the command line: listings, and usage errors of the commands."""

from __future__ import annotations

import json

import pytest

from fastdjango._cli import main


def test_signals_marks_durable_receivers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signals", "--import", "tests.durable.app", "--json"]) == 0
    listed = {s["name"]: s for s in json.loads(capsys.readouterr().out)["signals"]}
    receivers = listed["durable_tests.placed"]["receivers"]
    assert [(r["receiver"], r["durable"], r["weak"]) for r in receivers] == [
        ("tests.durable.app:record", "record", False),
        ("tests.durable.app:second", "second", False),
    ]
    assert main(["signals", "--import", "tests.durable.app"]) == 0
    assert "tests.durable.app:flaky [durable: flaky]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["replay", "--setup", "tests.durable.app:setup"], "takes an EVENT_ID"),
        (["replay", "--setup", "tests.durable.app:setup", "e1", "--all-dead"], "or --all-dead"),
        (["deliveries", "--setup", "nocolon"], "--setup takes MODULE:FUNC"),
        (["deliveries", "--setup", "tests.durable.app:nothing"], "has no function 'nothing'"),
        (["deliveries", "--setup", "tests.durable.no_such:setup"], "Cannot import"),
        (["deliveries", "--setup", "tests.durable.app:flags"], "not an async context manager"),
        (["worker", "--setup", "tests.durable.app:setup", "--concurrency", "0"], "at least 1"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main(arguments) == 2
    assert message in capsys.readouterr().err
