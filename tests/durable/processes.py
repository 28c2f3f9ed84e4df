"""Worker and sender subprocesses of the durable fault tests, stopped by their pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SETUP = "tests.durable.app:setup"


def environment(
    url: str, flags: Path, *, visibility: float = 60.0, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a subprocess using the test database (plus ``extra``)."""
    return {
        **os.environ,
        **(extra or {}),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DURABLE_TEST_DB": url,
        "DURABLE_TEST_FLAGS": str(flags),
        "DURABLE_TEST_VISIBILITY": str(visibility),
    }


def spawn(arguments: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``python ARGUMENTS`` in the repository root, output appended to ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, *arguments], cwd=ROOT, env=env, stdout=output, stderr=output
        )


@contextmanager
def worker(
    url: str,
    flags: Path,
    *,
    visibility: float = 60.0,
    concurrency: int = 4,
    name: str = "worker",
    setup: str = SETUP,
    extra: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A ``fastdjango worker --setup SETUP`` subprocess; SIGKILLed on exit if still running."""
    log = flags / f"{name}.log"
    process = spawn(
        [
            "-m",
            "fastdjango",
            "worker",
            "--setup",
            setup,
            "--concurrency",
            str(concurrency),
            "--grace",
            "10",
            "--progress",
            "0.5",
        ],
        environment(url, flags, visibility=visibility, extra=extra),
        log,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def terminate(process: subprocess.Popen[bytes], *, limit: float = 20.0) -> int:
    """SIGTERM ``process`` and wait for its exit status."""
    os.kill(process.pid, signal.SIGTERM)
    return process.wait(timeout=limit)


def command(url: str, flags: Path, *arguments: str) -> tuple[int, str]:
    """Run ``python -m fastdjango ARGUMENTS --setup ...``: exit status and stdout."""
    finished = subprocess.run(
        [sys.executable, "-m", "fastdjango", *arguments, "--setup", SETUP],
        cwd=ROOT,
        env=environment(url, flags),
        capture_output=True,
        timeout=60,
        check=False,
    )
    return finished.returncode, finished.stdout.decode() + finished.stderr.decode()


def dead_letters(url: str, flags: Path) -> list[dict[str, Any]]:
    """What ``deliveries --dead --json`` lists."""
    status, output = command(url, flags, "deliveries", "--dead", "--json")
    assert status == 0, output
    document = json.loads(output)
    assert document["version"] == 1
    deliveries: list[dict[str, Any]] = document["deliveries"]
    return deliveries
