"""Celery with its Redis broker and ``acks_late=True`` (acknowledged after the
task ran, the guarantee durable receivers give), one ``solo`` worker process.

The worker is Celery's own: ``celery -A benchmarks.redis_streams.celery_peer
worker --pool solo``; the no-op task records each arrival.
"""

from __future__ import annotations

import asyncio
import os

from celery import Celery  # type: ignore[import-untyped]

from .peer import Peer, python
from .record import Recorder

app = Celery("fastdjango_bench")
app.conf.update(
    broker_url=os.environ.get("BENCH_URL", "redis://127.0.0.1:6379/0"),
    broker_transport_options={"global_keyprefix": os.environ.get("BENCH_PREFIX", "bench") + ":"},
    task_acks_late=True,
    worker_prefetch_multiplier=100,  # messages in hand at once: its batching
    task_ignore_result=True,
    task_default_queue="bench",
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)
_recorder: list[Recorder] = []


@app.task(name="bench.noop")  # type: ignore[untyped-decorator]
def noop(sent: float) -> None:
    """The no-op task: records its arrival."""
    if not _recorder:
        _recorder.append(Recorder.from_env())
    _recorder[0].record(sent)


class CeleryPeer(Peer):
    """Celery 5, Redis broker, acks_late."""

    name = "celery"
    backlog_share = 0.1

    def command(self) -> list[str]:
        return python(
            "-m", "celery", "-A", "benchmarks.redis_streams.celery_peer", "worker",
            "--pool", "solo", "--concurrency", "1", "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", "bench",
        )  # fmt: skip

    async def open(self) -> None:
        # A publishing app of its own per round: an app's producer pool keeps
        # the broker settings it was made with, whatever its conf says later.
        self.app = Celery("fastdjango_bench_publisher")
        self.app.conf.update(
            broker_url=self.url,
            broker_transport_options={"global_keyprefix": f"{self.prefix}:"},
            task_default_queue="bench",
            task_ignore_result=True,
        )

    async def close(self) -> None:
        await asyncio.to_thread(self.app.close)

    async def fill(self, count: int, sent: float) -> None:
        def publish() -> None:
            with self.app.producer_or_acquire() as producer:
                for _ in range(count):
                    self.app.send_task("bench.noop", (sent,), producer=producer)

        await asyncio.to_thread(publish)

    async def send(self, sent: float) -> None:
        self.app.send_task("bench.noop", (sent,))
