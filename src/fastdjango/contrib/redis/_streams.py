"""The Redis side of delivery: streams, consumer groups, pending entries.

Everything here speaks in stream entries; what an entry means (an event for
a receiver) is the transport's business. An entry has one field, ``e``: a
JSON object (the event's fields, and for retries the attempt it is at and
the last error).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from ._keys import Keys
from ._roundtrip import RoundTrip, ScriptCache
from ._scripts import (
    BURY,
    CLAIM_ORDERED,
    EXTEND,
    PUBLISH,
    READ,
    RELEASE,
    RETRY_HELD,
    RETRY_LATER,
    Script,
)

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry delivered to one receiver's group.

    Arguments:
        stream: the stream's key.
        id: the entry's id in that stream.
        signal: the signal's name.
        receiver: the receiver (its group's name) it was delivered to.
        value: the raw ``e`` field (text when it came through a script's JSON reply).
        deliveries: how often the group delivered it (XPENDING's count).
        shard: for an ordered receiver's shard stream, the shard; else None.
    """

    stream: str
    id: str
    signal: str
    receiver: str
    value: bytes | str
    deliveries: int = 1
    shard: int | None = None


@dataclass(frozen=True, slots=True)
class Reader:
    """What one receiver's group reads: its signal's stream, its retry stream
    and, when ``ordered``, its shard streams."""

    signal: str
    receiver: str
    ordered: bool = False


def text(value: bytes | str) -> str:
    """``value`` as text (replies are bytes)."""
    return value.decode() if isinstance(value, bytes) else value


def encode(record: Mapping[str, Any]) -> bytes:
    """The ``e`` field of a stream entry for ``record``."""
    return json.dumps(record, separators=(",", ":")).encode()


def _nogroup(exc: BaseException) -> bool:
    return isinstance(exc, ResponseError) and "NOGROUP" in str(exc)


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Streams:
    """Stream operations of one key layout on one client.

    Arguments:
        redis: the redis-py asyncio client.
        keys: the key layout.
        marker_ttl: how long (seconds) an event stays marked as published,
            so a second publish of it (the relay racing the sender) adds nothing.
    """

    redis: aioredis.Redis
    keys: Keys
    marker_ttl: float = 24 * 3600.0
    _groups: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.scripts = ScriptCache(self.redis)

    def forget(self) -> None:
        """Forget which groups and scripts exist (the server may have lost them)."""
        self._groups.clear()
        self.scripts.forget()

    def streams_of(self, reader: Reader) -> list[str]:
        """The streams ``reader``'s group reads with ``XREADGROUP``."""
        return [self.keys.signal(reader.signal), self.keys.retry(reader.signal, reader.receiver)]

    def shard_streams(self, reader: Reader) -> list[str]:
        """The shard streams of an ordered reader."""
        return [
            self.keys.ordered(reader.signal, reader.receiver, shard)
            for shard in range(self.keys.shards)
        ]

    async def ensure_groups(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Create each ``(stream, group)`` not known to exist, reading from the start.

        A group made at ``0`` sees every entry still in the stream, so one
        created after events were added (a new receiver, a restarted server)
        misses none of them.
        """
        missing = [pair for pair in dict.fromkeys(pairs) if pair not in self._groups]
        if not missing:
            return
        pipe: Any = self.redis.pipeline(transaction=False)
        for stream, group in missing:
            pipe.xgroup_create(stream, group, id="0", mkstream=True)
        results = await pipe.execute(raise_on_error=False)
        for pair, result in zip(missing, results, strict=True):
            if isinstance(result, BaseException) and "BUSYGROUP" not in str(result):
                raise result
            self._groups.add(pair)

    async def publish(
        self,
        events: Sequence[tuple[str, Mapping[str, Sequence[str]], bytes]],
        registry: Mapping[str, str],
    ) -> int:
        """Add each ``(event id, {stream: its groups}, value)`` once; how many were added.

        The groups are made first (once per process, and again in the script
        for a stream that is gone), so no entry reaches a stream lacking the
        group of a receiver it is for; ``registry`` is merged into the
        receivers hash workers and operations read.
        """
        await self.ensure_groups(
            (stream, group)
            for _, targets, _ in events
            for stream, groups in targets.items()
            for group in groups
        )
        keys: list[str] = []
        args: list[str | int | bytes] = [int(self.marker_ttl * 1000), self.keys.wake]
        for event_id, targets, value in events:
            keys.append(self.keys.published(event_id))
            keys.extend(targets)
            args += [len(targets), value]
            for groups in targets.values():
                args += [len(groups), *groups]
        if not registry:  # the common case: one script call
            return int(await self.scripts.call(PUBLISH, keys, args))
        trip = self.scripts.round_trip()
        trip.script(PUBLISH, keys, args)
        trip.pipe.hset(self.keys.receivers, mapping=dict(registry))
        results = await trip.execute()
        return int(results[0])

    async def registry(self) -> dict[str, str]:
        """The receivers hash: every receiver a publisher has seen."""
        raw = await self.redis.hgetall(self.keys.receivers)
        return {text(name): text(value) for name, value in raw.items()}

    async def read(
        self,
        consumer: str,
        readers: Sequence[Reader],
        limit: int,
        visibility_ms: int,
        busy: Mapping[tuple[str, str], set[int]],
        retries: bool = True,
    ) -> list[Entry]:
        """New entries for ``readers`` (one script call, one round trip); with
        ``retries``, due retries are moved to their retry streams first.

        Ordered readers get at most one entry per shard, none from a shard in
        ``busy`` ((signal, receiver) -> shards whose entry this process holds).
        """
        keys: list[str] = []
        for reader in readers:
            signal, receiver = reader.signal, reader.receiver
            keys += [
                self.keys.signal(signal),
                self.keys.retry(signal, receiver),
                self.keys.delayed(signal, receiver),
            ]
        args: list[str | int | bytes] = [consumer, limit, _now_ms() if retries else 0]
        args += [reader.receiver for reader in readers]
        ordered = [reader for reader in readers if reader.ordered]
        if ordered:
            trip = self.scripts.round_trip()
            trip.script(READ, keys, args)
            for reader in ordered:
                self._ordered(trip, consumer, reader, limit, visibility_ms, busy)
            results = await trip.execute()
        else:  # the common case: one script call
            results = [await self.scripts.call(READ, keys, args)]
        flat = _flat(results[0])
        entries = [
            Entry(
                keys[code // 2 * 3 + code % 2],
                flat[index + 1],
                readers[code // 2].signal,
                readers[code // 2].receiver,
                flat[index + 2],
            )
            for index in range(0, len(flat), 3)
            for code in (flat[index],)
        ]
        for reader, taken in zip(ordered, results[1:], strict=True):
            for index in range(0, len(taken), 4):
                shard = int(taken[index])
                entries.append(
                    Entry(
                        self.keys.ordered(reader.signal, reader.receiver, shard),
                        text(taken[index + 1]),
                        reader.signal,
                        reader.receiver,
                        taken[index + 2],
                        int(taken[index + 3]),
                        shard,
                    )
                )
        return entries

    def _ordered(
        self,
        trip: RoundTrip,
        consumer: str,
        reader: Reader,
        limit: int,
        visibility_ms: int,
        busy: Mapping[tuple[str, str], set[int]],
    ) -> None:
        signal, receiver = reader.signal, reader.receiver
        shards = range(self.keys.shards)
        held = busy.get((signal, receiver), set())
        keys = self.shard_streams(reader)
        keys += [self.keys.lock(signal, receiver, shard) for shard in shards]
        keys += [self.keys.hold(signal, receiver, shard) for shard in shards]
        flags = ["1" if shard in held else "0" for shard in shards]
        trip.script(CLAIM_ORDERED, keys, [receiver, consumer, visibility_ms, limit, *flags])

    async def reclaim(
        self, consumer: str, readers: Sequence[Reader], idle_ms: int, limit: int
    ) -> list[Entry]:
        """Take over entries of ``readers`` unacknowledged for longer than ``idle_ms``.

        That is how a crashed worker's deliveries come back (``XAUTOCLAIM``;
        the delivery count comes from ``XPENDING``). Ordered shards are taken
        over by :meth:`read`, one entry at a time, instead.
        """
        targets = [(stream, reader) for reader in readers for stream in self.streams_of(reader)]
        pipe: Any = self.redis.pipeline(transaction=False)
        for stream, reader in targets:
            pipe.xautoclaim(stream, reader.receiver, consumer, idle_ms, "0-0", count=limit)
        results = await pipe.execute(raise_on_error=False)
        claimed: list[tuple[str, Reader, bytes, bytes]] = []
        for (stream, reader), result in zip(targets, results, strict=True):
            if isinstance(result, BaseException):
                if _nogroup(result):
                    self.forget()
                    continue
                raise result
            claimed.extend(
                (stream, reader, entry_id, fields[b"e"]) for entry_id, fields in result[1]
            )
        if not claimed:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for stream, reader, entry_id, _ in claimed:
            pipe.xpending_range(stream, reader.receiver, entry_id, entry_id, 1)
        counts = await pipe.execute()
        return [
            Entry(
                stream,
                text(entry_id),
                reader.signal,
                reader.receiver,
                value,
                int(count[0]["times_delivered"]) if count else 1,
            )
            for (stream, reader, entry_id, value), count in zip(claimed, counts, strict=True)
        ]

    async def ack(self, entries: Sequence[Entry], consumer: str) -> None:
        """Acknowledge ``entries`` in one round trip; ordered shards are let go of.

        Unlike the other settlements this does not check that the entries are
        still ``consumer``'s: the receiver finished, so the delivery is done,
        and a worker that took it over meanwhile only finds it acknowledged.
        """
        by_stream: dict[tuple[str, str], list[str]] = {}
        for entry in entries:
            by_stream.setdefault((entry.stream, entry.receiver), []).append(entry.id)
        releases = [
            self.keys.lock(entry.signal, entry.receiver, entry.shard)
            for entry in entries
            if entry.shard is not None
        ]
        if len(by_stream) == 1 and not releases:
            [((stream, group), ids)] = by_stream.items()
            await self.redis.xack(stream, group, *ids)  # the common case: no pipeline
            return
        trip = self.scripts.round_trip()
        for (stream, group), ids in by_stream.items():
            trip.pipe.xack(stream, group, *ids)
        for lock in releases:
            trip.script(RELEASE, [lock], [consumer])
        await trip.execute()

    async def _one(self, script: Script, keys: list[str], args: list[str | int | bytes]) -> int:
        return int(await self.scripts.call(script, keys, args))

    async def retry(self, entry: Entry, consumer: str, record: Record, delay: float) -> bool:
        """Deliver ``entry`` again after ``delay`` seconds; False if no longer ours.

        An unordered entry is acknowledged and ``record`` (the next attempt)
        waits in the receiver's delayed set; an ordered one stays pending and
        its shard is held, so no later event of that key overtakes it.
        """
        delay_ms = max(1, int(delay * 1000))
        signal, receiver = entry.signal, entry.receiver
        if entry.shard is not None:
            keys = [
                entry.stream,
                self.keys.hold(signal, receiver, entry.shard),
                self.keys.lock(signal, receiver, entry.shard),
            ]
            return bool(await self._one(RETRY_HELD, keys, [receiver, consumer, entry.id, delay_ms]))
        keys = [entry.stream, self.keys.delayed(signal, receiver)]
        due = _now_ms() + delay_ms
        args: list[str | int | bytes] = [receiver, consumer, entry.id, due, encode(record)]
        return bool(await self._one(RETRY_LATER, keys, args))

    async def bury(self, entry: Entry, consumer: str, record: Record) -> bool:
        """Move ``entry`` to its receiver's dead letters as ``record``; False if not ours."""
        trip = self.scripts.round_trip()
        dead = self.keys.dead(entry.signal, entry.receiver)
        value = encode(record)
        trip.script(BURY, [entry.stream, dead], [entry.receiver, consumer, entry.id, value])
        if entry.shard is not None:
            lock = self.keys.lock(entry.signal, entry.receiver, entry.shard)
            trip.script(RELEASE, [lock], [consumer])
        results = await trip.execute()
        return bool(results[0])

    async def extend(self, entry: Entry, consumer: str, visibility_ms: int) -> bool:
        """Restart ``entry``'s visibility timeout; False if no longer ours."""
        done = await self._one(EXTEND, [entry.stream], [entry.receiver, consumer, entry.id])
        if done and entry.shard is not None:
            lock = self.keys.lock(entry.signal, entry.receiver, entry.shard)
            await self.redis.set(lock, consumer, px=visibility_ms, xx=True)
        return bool(done)

    async def trim(self, streams: Sequence[str]) -> int:
        """Trim ``streams`` below what every group has acknowledged; return entries dropped.

        For each stream the bound is the oldest entry any group has pending,
        or else the last one it was given: nothing unacknowledged is ever
        dropped (``MINID``, approximate, so it may keep more).
        """
        if not streams:
            return 0
        pipe: Any = self.redis.pipeline(transaction=False)
        for stream in streams:
            pipe.xinfo_groups(stream)
        infos = await pipe.execute(raise_on_error=False)
        bounds: dict[str, list[bytes]] = {}
        pending: list[tuple[str, bytes]] = []
        for stream, groups in zip(streams, infos, strict=True):
            if isinstance(groups, BaseException) or not groups:
                continue  # no stream, or no group to decide for
            marks = bounds.setdefault(stream, [])
            for group in groups:
                if group["pending"]:
                    pending.append((stream, group["name"]))
                else:
                    marks.append(group["last-delivered-id"])
        if pending:
            pipe = self.redis.pipeline(transaction=False)
            for stream, group in pending:
                pipe.xpending(stream, group)
            for (stream, _), summary in zip(pending, await pipe.execute(), strict=True):
                bounds[stream].append(summary["min"])
        pipe = self.redis.pipeline(transaction=False)
        for stream, marks in bounds.items():
            pipe.xtrim(stream, minid=text(min(marks, key=_order)), approximate=True)
        return sum(await pipe.execute()) if bounds else 0


def _flat(reply: bytes) -> list[Any]:
    """The READ script's JSON reply (an entry that is not UTF-8 arrives replaced)."""
    if not reply:
        return []
    try:
        flat: list[Any] = json.loads(reply)
    except UnicodeDecodeError:
        flat = json.loads(reply.decode(errors="replace"))
    return flat


def _order(entry_id: bytes) -> tuple[int, int]:
    millis, _, sequence = entry_id.partition(b"-")
    return int(millis), int(sequence or 0)
