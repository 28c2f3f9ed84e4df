"""Where everything lives in Redis: one place that names every key.

With ``prefix="fastdjango"`` written ``{p}``, a signal named ``{signal}`` and
a durable receiver named ``{receiver}`` (its ``Durable(name=...)``)::

    {p}:s:{signal}                          stream: the signal's events; one
                                            consumer group per receiver
    {p}:o:{signal}:{receiver}:{shard}       streams: the events of a receiver
                                            with an order_key, sharded by key
    {p}:lock:{signal}:{receiver}:{shard}    string: the consumer that holds a shard
    {p}:hold:{signal}:{receiver}:{shard}    string: the shard waits for a retry
    {p}:r:{signal}:{receiver}               stream: retried and replayed deliveries
    {p}:delayed:{signal}:{receiver}         sorted set: retries not due yet
    {p}:dead:{signal}:{receiver}            stream: dead-lettered deliveries
    {p}:published:{event id}                string: the event was published
                                            (publishing is idempotent)
    {p}:receivers                           hash: every receiver seen
    {p}:wake                                pub/sub channel: events were published

Consumer groups are named after their receiver, consumers after the worker
process reading (the ``consumer`` a worker passes to ``claim``).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    """The key names of one ``prefix``.

    Arguments:
        prefix: the first part of every key, so several applications (or
            tests) can share one Redis database.
        shards: how many streams an ordered receiver's events are spread
            over; the same in every process of one application.

    Raises:
        ValueError: an empty prefix or one with spaces, or shards below 1.
    """

    prefix: str
    shards: int = 16

    def __post_init__(self) -> None:
        if (
            not isinstance(self.prefix, str)
            or not self.prefix
            or any(ch.isspace() for ch in self.prefix)
        ):
            raise ValueError(
                f"A Redis key prefix must be a non-empty string without spaces, got "
                f"{self.prefix!r}; pass e.g. prefix='myapp'."
            )
        if isinstance(self.shards, bool) or not isinstance(self.shards, int) or self.shards < 1:
            raise ValueError(
                f"shards must be a positive int, got {self.shards!r}; the default is 16."
            )

    def signal(self, signal: str) -> str:
        """The stream of ``signal``'s events."""
        return f"{self.prefix}:s:{signal}"

    def shard_of(self, order_key: str) -> int:
        """The shard an order key's events go to (the same in every process)."""
        return zlib.crc32(order_key.encode()) % self.shards

    def ordered(self, signal: str, receiver: str, shard: int) -> str:
        """The stream of one shard of an ordered receiver."""
        return f"{self.prefix}:o:{signal}:{receiver}:{shard}"

    def lock(self, signal: str, receiver: str, shard: int) -> str:
        """The key that says which consumer holds an ordered shard."""
        return f"{self.prefix}:lock:{signal}:{receiver}:{shard}"

    def hold(self, signal: str, receiver: str, shard: int) -> str:
        """The key that holds an ordered shard back while its first entry waits."""
        return f"{self.prefix}:hold:{signal}:{receiver}:{shard}"

    def retry(self, signal: str, receiver: str) -> str:
        """The stream of a receiver's retried and replayed deliveries."""
        return f"{self.prefix}:r:{signal}:{receiver}"

    def delayed(self, signal: str, receiver: str) -> str:
        """The sorted set of a receiver's retries that are not due yet."""
        return f"{self.prefix}:delayed:{signal}:{receiver}"

    def dead(self, signal: str, receiver: str) -> str:
        """The stream of a receiver's dead-lettered deliveries."""
        return f"{self.prefix}:dead:{signal}:{receiver}"

    def published(self, event_id: str) -> str:
        """The key that marks an event as published."""
        return f"{self.prefix}:published:{event_id}"

    @property
    def receivers(self) -> str:
        """The hash of every receiver seen: ``[signal, receiver]`` -> ordered or not."""
        return f"{self.prefix}:receivers"

    @property
    def wake(self) -> str:
        """The channel workers listen on for new events."""
        return f"{self.prefix}:wake"

    @property
    def pattern(self) -> str:
        """A ``SCAN`` pattern matching every key of this prefix."""
        return f"{self.prefix}:*"


def registry_field(signal: str, receiver: str) -> str:
    """The field of ``Keys.receivers`` for one receiver."""
    return json.dumps([signal, receiver])


def registry_entry(field: str | bytes) -> tuple[str, str]:
    """``(signal, receiver)`` back from a field of ``Keys.receivers``."""
    signal, receiver = json.loads(field)
    return str(signal), str(receiver)
