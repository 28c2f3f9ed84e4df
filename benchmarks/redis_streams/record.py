"""The worker side of every peer: count items, note when each arrived.

A worker process gets ``BENCH_RESULT`` (a file path) and ``BENCH_COUNT`` in
its environment. The first item is a warm-up: it creates ``BENCH_RESULT +
".ready"``. When ``BENCH_COUNT`` items (warm-up included) have arrived, the
timings of the measured ones go to ``BENCH_RESULT`` as JSON: the wall-clock
time of the first and last arrival, the worker process's CPU time (user +
system, all its threads) at both, and each item's latency.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


class Recorder:
    """Counts items; each carries the wall-clock time it was sent.

    Arguments:
        result: where the timings go.
        count: how many items to expect, the warm-up included.
    """

    def __init__(self, result: Path, count: int) -> None:
        self.result = result
        self.count = count
        self.seen = 0
        self.first = 0.0
        self.cpu_first = 0.0
        self.latencies: list[float] = []

    @classmethod
    def from_env(cls) -> Recorder:
        """The recorder the benchmark asked for through the environment."""
        return cls(Path(os.environ["BENCH_RESULT"]), int(os.environ["BENCH_COUNT"]))

    def record(self, sent: float) -> None:
        """One item arrived; ``sent`` is ``time.time()`` at its send."""
        now = time.time()
        self.seen += 1
        if self.seen == 1:
            Path(f"{self.result}.ready").touch()
            return
        if self.seen == 2:
            self.first = now
            self.cpu_first = time.process_time()
        self.latencies.append(now - sent)
        if self.seen == self.count:
            data = {
                "first": self.first,
                "last": now,
                "cpu": time.process_time() - self.cpu_first,
                "latencies": self.latencies,
            }
            temporary = self.result.with_suffix(".tmp")
            temporary.write_text(json.dumps(data))
            temporary.rename(self.result)
