"""``RedisStreams``: the durable transport for many processes on many machines."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from fastdjango.durable._event import DeliveryRecord, Event, Lease, MalformedEvent, Subscription
from fastdjango.durable._transport import OutboxRole

from . import _operations
from ._batch import AckBatch
from ._connection import UNREACHABLE, Backoff, check_url, client, masked, ping, unreachable
from ._keys import Keys, registry_entry, registry_field
from ._records import decode, fields, malformed, wrapped
from ._streams import Entry, Reader, Streams, encode
from ._trimmer import Trimmer

logger = logging.getLogger("fastdjango.contrib.redis")

ORDERED, PLAIN = "ordered", "plain"


@dataclass(frozen=True, slots=True)
class _Token:
    entry: Entry
    consumer: str


class RedisStreams:
    """Durable receivers on Redis Streams (``configure(RedisStreams(url))``).

    A stream per signal, a consumer group per durable receiver (each sees
    each event once and keeps its own progress, retries and dead letters),
    a consumer per worker process. A crashed worker's deliveries are claimed
    back after the visibility timeout; streams are trimmed only below what
    every group acknowledged. A receiver with ``Durable(order_key=...)`` gets
    its events through streams sharded by key instead, each shard read by
    one consumer at a time. The key layout is in :mod:`._keys`.

    Arguments:
        url: ``redis://[:password@]host:port/db`` (or ``rediss://``, ``unix://``).
        prefix: the first part of every key; applications sharing a Redis
            database need different prefixes.
        shards: how many streams an ordered receiver's events are spread over
            (the most workers that can serve it at once); the same in every
            process of the application.
        timeout: seconds a Redis command may take before it counts as a
            lost connection.

    Raises:
        TypeError, ValueError: a malformed URL, prefix, shard count or timeout.
    """

    def __init__(
        self, url: str, *, prefix: str = "fastdjango", shards: int = 16, timeout: float = 5.0
    ) -> None:
        self.url = check_url(url)
        self.keys = Keys(prefix, shards)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
        self.timeout = float(timeout)
        self._redis: aioredis.Redis | None = None
        self._streams: Streams | None = None
        self._pubsub: Any = None
        self._acks: AckBatch[_Token] | None = None
        self._backoff = Backoff(url)
        self._registered: set[str] = set()
        self._ordered: set[tuple[str, str]] = set()
        self._busy: dict[tuple[str, str], set[int]] = {}
        self._buffer: list[Lease] = []
        self._trimmer = Trimmer()
        self._timers = {"registry": 0.0, "reclaim": 0.0, "trim": 0.0, "retries": 0.0}

    def __repr__(self) -> str:
        return f"RedisStreams({masked(self.url)!r}, prefix={self.keys.prefix!r})"

    @property
    def system(self) -> str:
        """``"redis"`` (the OpenTelemetry ``messaging.system``)."""
        return "redis"

    @property
    def outbox_role(self) -> OutboxRole:
        """``"relay"``: events are published after the commit, the outbox covers crashes."""
        return "relay"

    async def open(self) -> None:
        """Connect and check that Redis answers.

        Raises:
            ConnectionError: Redis is unreachable (the message names the URL,
                password masked).
        """
        if self._redis is not None:
            return
        redis = client(self.url, timeout=self.timeout)
        try:
            await ping(redis, self.url)
        except ConnectionError:
            await redis.aclose()
            raise
        if self._streams is not None:  # another task opened it meanwhile
            await redis.aclose()
            return
        self._redis = redis
        self._streams = Streams(redis, self.keys)
        self._acks = AckBatch(self._settle_acks)

    async def close(self) -> None:
        """Close the connections; safe to call twice or before ``open``."""
        redis, pubsub = self._redis, self._pubsub
        self._redis = self._streams = self._pubsub = self._acks = None
        self._registered.clear()
        await self._trimmer.stop()
        if pubsub is not None:
            try:
                await pubsub.aclose()
            except UNREACHABLE:
                pass
        if redis is not None:
            await redis.aclose()

    async def _ready(self) -> Streams:
        """The open streams; opens the transport on first use (a web process
        need not call ``open``: its first publish connects)."""
        if self._streams is None:
            await self.open()
        assert self._streams is not None
        return self._streams

    async def publish(self, events: Sequence[Event]) -> None:
        """Add the events to their streams, each event once, in one round trip.

        Raises:
            ConnectionError: Redis is unreachable; the events stay in the outbox.
        """
        streams = await self._ready()
        batch: list[tuple[str, dict[str, list[str]], bytes]] = []
        registry: dict[str, str] = {}
        for event in events:
            targets: dict[str, list[str]] = {}
            plain = [name for name in event.receivers if name not in event.keys]
            if plain:
                targets[self.keys.signal(event.signal)] = plain
            for name, key in event.keys.items():
                targets[self.keys.ordered(event.signal, name, self.keys.shard_of(key))] = [name]
            for name in event.receivers:
                entry = registry_field(event.signal, name)
                if entry not in self._registered:
                    registry[entry] = ORDERED if name in event.keys else PLAIN
            batch.append((event.id, targets, encode(fields(event))))
        try:
            await streams.publish(batch, registry)
        except UNREACHABLE as exc:
            streams.forget()
            raise unreachable(self.url, exc) from exc
        self._registered.update(registry)

    async def claim(
        self, consumer: str, subscriptions: Sequence[Subscription], limit: int, visibility: float
    ) -> list[Lease]:
        """Up to ``limit`` deliveries for ``subscriptions``, oldest first.

        Waits up to about a second for events when none is ready. While Redis
        is unreachable it logs, waits with backoff and returns nothing, so
        the worker keeps running and recovers by itself.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive int, got {limit!r}.")
        if self._buffer:
            return self._take(limit)
        streams = await self._ready()
        visibility_ms = max(1, int(visibility * 1000))
        try:
            readers = await self._readers(streams, subscriptions)
            entries: list[Entry] = []
            if self._due("reclaim", min(1.0, max(0.05, visibility / 4))):
                entries += await streams.reclaim(consumer, readers, visibility_ms, limit)
            due = self._due("retries", 0.1)
            entries += await streams.read(consumer, readers, limit, visibility_ms, self._busy, due)
            if not entries:
                await self._wait_for_events()
                entries = await streams.read(
                    consumer, readers, limit, visibility_ms, self._busy, self._due("retries", 0.1)
                )
            if self._due("trim", 1.0):
                names = self._trimmed(streams, readers)
                self._trimmer.start(lambda: streams.trim(names))
            self._buffer = await self._leases(streams, consumer, entries)
        except UNREACHABLE as exc:
            streams.forget()
            await self._backoff.failed(exc, "claiming deliveries")
            return []
        self._backoff.succeeded("claiming deliveries")
        return self._take(limit)

    def _take(self, limit: int) -> list[Lease]:
        taken, self._buffer = self._buffer[:limit], self._buffer[limit:]
        return taken

    def _due(self, timer: str, every: float) -> bool:
        now = asyncio.get_running_loop().time()
        if now - self._timers[timer] < every:
            return False
        self._timers[timer] = now
        return True

    async def _readers(
        self, streams: Streams, subscriptions: Sequence[Subscription]
    ) -> list[Reader]:
        if self._due("registry", 1.0):
            registry = await streams.registry()
            self._ordered = {
                registry_entry(field) for field, kind in registry.items() if kind == ORDERED
            }
        return [
            Reader(sub.signal, sub.receiver, (sub.signal, sub.receiver) in self._ordered)
            for sub in subscriptions
        ]

    def _trimmed(self, streams: Streams, readers: Sequence[Reader]) -> list[str]:
        names: dict[str, None] = {}
        for reader in readers:
            names.update(dict.fromkeys(streams.streams_of(reader)))
            if reader.ordered:
                names.update(dict.fromkeys(streams.shard_streams(reader)))
        return list(names)

    async def _wait_for_events(self) -> None:
        if self._pubsub is None:
            assert self._redis is not None
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            await pubsub.subscribe(self.keys.wake)
            self._pubsub = pubsub
        try:
            message = await self._pubsub.get_message(timeout=1.0)
            while message is not None:  # several publishes woke us: one read takes them all
                message = await self._pubsub.get_message(timeout=0.0)
        except UNREACHABLE:
            pubsub, self._pubsub = self._pubsub, None
            await pubsub.aclose()
            raise

    async def _leases(self, streams: Streams, consumer: str, entries: list[Entry]) -> list[Lease]:
        leases: list[Lease] = []
        skipped: list[Entry] = []
        if len({entry.stream for entry in entries}) > 1:  # each stream's entries are in order
            entries.sort(key=lambda entry: _order(entry.id))
        for entry in entries:
            try:
                event, attempt, _ = decode(entry)
            except MalformedEvent as exc:
                logger.error(
                    "Dead-lettering a malformed entry %s of %s for %s: %s",
                    entry.id,
                    entry.stream,
                    entry.receiver,
                    exc,
                )
                await streams.bury(entry, consumer, malformed(entry, f"MalformedEvent: {exc}"))
                continue
            if (
                entry.receiver not in event.receivers or entry.receiver in event.keys
            ) and entry.stream == self.keys.signal(entry.signal):
                skipped.append(entry)  # for other receivers (or sent to this one's shards)
                continue
            if entry.shard is not None:
                self._busy.setdefault((entry.signal, entry.receiver), set()).add(entry.shard)
            leases.append(Lease(event, entry.receiver, attempt, _Token(entry, consumer)))
        if skipped:
            await streams.ack(skipped, consumer)
        return leases

    @staticmethod
    def _token(lease: Lease) -> _Token:
        token = lease.token
        if not isinstance(token, _Token):
            raise TypeError(f"{lease!r} was not handed out by RedisStreams.")
        return token

    def _free(self, token: _Token) -> None:
        """The lease is settled: its ordered shard may hand out the next entry.

        Only now, not before the settling call: until the server has it, the
        entry is still pending for this consumer, and claiming would take it
        again.
        """
        entry = token.entry
        if entry.shard is not None:
            self._busy.get((entry.signal, entry.receiver), set()).discard(entry.shard)

    async def extend(self, lease: Lease, visibility: float) -> None:
        """Keep ``lease`` invisible to other workers ``visibility`` more seconds."""
        token = self._token(lease)
        streams = await self._ready()
        await self._backoff.run(
            lambda: streams.extend(token.entry, token.consumer, int(visibility * 1000)),
            "extending a lease",
            within=visibility,
        )

    async def ack(self, lease: Lease) -> None:
        """The receiver finished: acknowledge (batched with the acks of the same moment)."""
        token = self._token(lease)
        if self._acks is None:
            await self.open()
            assert self._acks is not None
        try:
            await self._acks.add(token)
        finally:
            self._free(token)

    async def _settle_acks(self, tokens: Sequence[_Token]) -> None:
        streams = await self._ready()
        by_consumer: dict[str, list[Entry]] = {}
        for token in tokens:
            by_consumer.setdefault(token.consumer, []).append(token.entry)
        for consumer, entries in by_consumer.items():
            await self._backoff.run(
                lambda: streams.ack(entries, consumer),  # noqa: B023 (awaited at once)
                "acknowledging deliveries",
                within=30.0,
            )

    async def retry(self, lease: Lease, delay: float, error: str) -> None:
        """Hand the delivery out again after ``delay`` seconds, as the next attempt."""
        token = self._token(lease)
        streams = await self._ready()
        record = wrapped(lease.event, lease.attempt + 1, error)
        try:
            await self._backoff.run(
                lambda: streams.retry(token.entry, token.consumer, record, delay),
                "retrying a delivery",
                within=30.0,
            )
        finally:
            self._free(token)

    async def bury(self, lease: Lease, error: str) -> None:
        """Dead-letter the delivery for its receiver only, keeping ``error``."""
        token = self._token(lease)
        streams = await self._ready()
        record = wrapped(lease.event, lease.attempt, error)
        try:
            await self._backoff.run(
                lambda: streams.bury(token.entry, token.consumer, record),
                "dead-lettering a delivery",
                within=30.0,
            )
        finally:
            self._free(token)

    async def deliveries(self, *, dead: bool) -> list[DeliveryRecord]:
        """Dead-lettered deliveries (``dead=True``), or those pending and waiting to retry."""
        return await _operations.deliveries(await self._ready(), dead=dead)

    async def replay(self, event_id: str, receiver: str | None = None) -> int:
        """Queue an event's dead-lettered deliveries again from attempt 1; how many."""
        return await _operations.replay(await self._ready(), event_id, receiver)

    async def replay_dead(self) -> int:
        """Queue every dead-lettered delivery again; returns how many."""
        return await _operations.replay(await self._ready(), None, None)


def _order(entry_id: str) -> tuple[int, int]:
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)
