"""Worker processes of the benchmark: started, awaited and stopped by pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Timings:
    """What a worker measured: first and last arrival (wall clock), the CPU
    seconds its process used in between, latencies."""

    first: float
    last: float
    cpu: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        """Items per second between the first measured arrival and the last."""
        span = self.last - self.first
        return (len(self.latencies) - 1) / span if span > 0 else float("inf")

    @property
    def cpu_per_item(self) -> float:
        """CPU seconds of the worker process per item."""
        return self.cpu / max(1, len(self.latencies) - 1)


class Worker:
    """A worker process running ``command``; its recorder writes to ``result``."""

    def __init__(
        self, command: Sequence[str], result: Path, count: int, env: Mapping[str, str]
    ) -> None:
        self.result = result
        env = {**os.environ, **env, "BENCH_RESULT": str(result), "BENCH_COUNT": str(count)}
        env["PYTHONPATH"] = os.pathsep.join([*sys.path[:1], env.get("PYTHONPATH", "")])
        self.process = subprocess.Popen(
            list(command),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def _wait_for(self, path: Path, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not path.exists():
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"The worker exited while {what}:\n{error[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"The worker took over {timeout:.0f} s {what}.")
            time.sleep(0.005)

    def ready(self, timeout: float = 60) -> None:
        """Wait until the worker handled the warm-up item."""
        self._wait_for(Path(f"{self.result}.ready"), timeout, "handling the warm-up item")

    def timings(self, timeout: float = 120) -> Timings:
        """Wait for the worker's timings."""
        self._wait_for(self.result, timeout, "handling the measured items")
        data = json.loads(self.result.read_text())
        return Timings(data["first"], data["last"], data["cpu"], data["latencies"])

    def stop(self) -> None:
        """Stop the worker (its process group): SIGTERM, then SIGKILL after 5 s."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self.process.stderr:
            self.process.stderr.close()


@contextmanager
def worker(
    command: Sequence[str], result: Path, count: int, env: Mapping[str, str]
) -> Iterator[Worker]:
    """A started :class:`Worker`, stopped on exit whatever happened."""
    started = Worker(command, result, count, env)
    try:
        yield started
    finally:
        started.stop()
