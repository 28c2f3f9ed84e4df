"""taskiq with taskiq-redis' stream broker (consumer groups, acknowledged
after the task ran), one worker process: ``taskiq worker ... --workers 1``.
"""

from __future__ import annotations

import os

from taskiq_redis import RedisStreamBroker

from .peer import Peer, python
from .record import Recorder

_prefix = os.environ.get("BENCH_PREFIX", "bench")
broker = RedisStreamBroker(
    os.environ.get("BENCH_URL", "redis://127.0.0.1:6379/0"),
    queue_name=f"{_prefix}:taskiq",
    consumer_group_name="bench",
    consumer_id="0",
)
_recorder: list[Recorder] = []


@broker.task(task_name="bench.noop")
async def noop(sent: float) -> None:
    """The no-op task: records its arrival."""
    if not _recorder:
        _recorder.append(Recorder.from_env())
    _recorder[0].record(sent)


class TaskiqPeer(Peer):
    """taskiq 0.13, RedisStreamBroker."""

    name = "taskiq"
    backlog_share = 0.1

    def command(self) -> list[str]:
        return python(
            "-m", "taskiq", "worker", "benchmarks.redis_streams.taskiq_peer:broker",
            "--workers", "1", "--ack-type", "when_executed", "--log-level", "WARNING",
            "--no-configure-logging",
        )  # fmt: skip

    def _broker(self) -> RedisStreamBroker:
        return RedisStreamBroker(
            self.url,
            queue_name=f"{self.prefix}:taskiq",
            consumer_group_name="bench",
            consumer_id="0",
        )

    async def open(self) -> None:
        self.broker = self._broker()
        await self.broker.startup()
        self.task = self.broker.register_task(noop.original_func, task_name="bench.noop")

    async def close(self) -> None:
        await self.broker.shutdown()

    async def fill(self, count: int, sent: float) -> None:
        for _ in range(count):
            await self.task.kiq(sent)

    async def send(self, sent: float) -> None:
        await self.task.kiq(sent)
