"""Threads and tasks connecting, disconnecting, muting and sending at once."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from fastdjango.core.signals import Signal

THREADS = 4
ROUNDS = 600


class Sender:
    pass


def test_threads_and_tasks_race_without_errors_or_missed_receivers() -> None:
    sig = Signal(name="stress")
    senders = [Sender() for _ in range(3)]
    counts = {"always": 0, "always_async": 0}
    count_lock = threading.Lock()

    def always(sender: object, **kwargs: Any) -> None:
        with count_lock:
            counts["always"] += 1

    async def always_async(sender: object, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        with count_lock:
            counts["always_async"] += 1

    sig.connect(always)
    sig.connect(always_async, weak=False)
    errors: list[BaseException] = []
    sends = {"sync": 0, "async": 0}
    start = threading.Barrier(THREADS + 1)

    def churn(worker: int) -> None:
        """Connect and disconnect short-lived receivers, look inside, send sync-only."""
        try:
            start.wait()
            for i in range(ROUNDS):
                sender = senders[i % len(senders)]

                def transient(sender: object, **kwargs: Any) -> None: ...

                sig.connect(transient, sender=sender, priority=i % 3)
                sig.connect(transient, dispatch_uid=(worker, i % 5), weak=False)
                sig.receivers, sig.live_receivers(), sig.connections()
                sig.has_listeners(sender), sig.is_connected(transient, sender=sender)
                with sig.muted(transient):
                    pass
                sig.disconnect(transient, sender=sender)
                if i % 7 == 0:
                    sig.disconnect(dispatch_uid=(worker, i % 5))
                del transient  # weak ones die here, some while a send walks them
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    async def send_from_tasks() -> None:
        async def task() -> None:
            for i in range(ROUNDS // 3):
                responses = await sig.send_robust(senders[i % len(senders)])
                assert not [r for _, r in responses if isinstance(r, Exception)]
                sends["async"] += 1

        await asyncio.gather(*(task() for _ in range(3)))

    def loop_thread() -> None:
        try:
            start.wait()
            asyncio.run(send_from_tasks())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=churn, args=(n,)) for n in range(THREADS - 1)]
    threads.append(threading.Thread(target=loop_thread))
    for thread in threads:
        thread.start()
    start.wait()
    for i in range(ROUNDS // 3):
        sig.send_sync(senders[i % len(senders)])
        sends["sync"] += 1
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    total = sends["sync"] + sends["async"]
    assert counts == {"always": total, "always_async": total}
    assert sig.is_connected(always)
    assert sig.is_connected(always_async)


def test_threads_racing_on_one_connection_leave_it_whole() -> None:
    """Connect and disconnect the same (receiver, sender) from several threads."""
    sig = Signal(name="one key")
    calls: list[object] = []

    def shared(sender: object, **kwargs: Any) -> None:
        calls.append(sender)

    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def race(worker: int) -> None:
        try:
            start.wait()
            for i in range(ROUNDS):
                if (i + worker) % 2:
                    sig.connect(shared, sender=Sender)
                else:
                    sig.disconnect(shared, sender=Sender)
                sig.send_sync(Sender)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(sig.receivers) <= 1
    assert sig.is_connected(shared, sender=Sender) == (len(sig.receivers) == 1)
    sig.connect(shared, sender=Sender)
    calls.clear()
    assert [r for r, _ in sig.send_sync(Sender)] == [shared]
    assert calls == [Sender]
