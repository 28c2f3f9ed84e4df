"""Worker and sender subprocesses of the Redis tests, stopped by their pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SETUP = "tests.contrib.redis.app:setup"


@dataclass(frozen=True)
class Place:
    """Where the subprocesses of one test meet: Redis, the database, a directory."""

    redis_url: str
    prefix: str
    flags: Path
    database: str = ""
    visibility: float = 60.0
    relay: float = 30.0

    def environment(self) -> dict[str, str]:
        """The environment of a subprocess."""
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "REDIS_TEST_URL": self.redis_url,
            "REDIS_TEST_PREFIX": self.prefix,
            "DURABLE_TEST_DB": self.database,
            "DURABLE_TEST_FLAGS": str(self.flags),
            "DURABLE_TEST_VISIBILITY": str(self.visibility),
            "REDIS_TEST_RELAY": str(self.relay),
        }


def spawn(place: Place, arguments: list[str], name: str) -> subprocess.Popen[bytes]:
    """Start ``python ARGUMENTS`` in the repository root; output to ``flags/NAME.log``."""
    with (place.flags / f"{name}.log").open("ab") as output:
        return subprocess.Popen(
            [sys.executable, *arguments],
            cwd=ROOT,
            env=place.environment(),
            stdout=output,
            stderr=output,
        )


def start_worker(place: Place, name: str, *, concurrency: int = 32) -> subprocess.Popen[bytes]:
    """Start a ``python -m fastdjango worker`` of the test application."""
    arguments = ["-m", "fastdjango", "worker", "--setup", SETUP]
    arguments += ["--concurrency", str(concurrency), "--grace", "10", "--progress", "1"]
    return spawn(place, arguments, name)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``process`` (if still running) and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def terminate(process: subprocess.Popen[bytes], *, limit: float = 20.0) -> int:
    """SIGTERM ``process`` and wait for its exit status."""
    os.kill(process.pid, signal.SIGTERM)
    return process.wait(timeout=limit)


def command(place: Place, *arguments: str) -> tuple[int, str]:
    """Run ``python -m fastdjango ARGUMENTS --setup ...``: exit status and output."""
    finished = subprocess.run(
        [sys.executable, "-m", "fastdjango", *arguments, "--setup", SETUP],
        cwd=ROOT,
        env=place.environment(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    return finished.returncode, finished.stdout.decode() + finished.stderr.decode()
