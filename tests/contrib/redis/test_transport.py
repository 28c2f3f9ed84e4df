"""RedisStreams against the transport contract, on a real Redis."""

from __future__ import annotations

import asyncio

import pytest

from fastdjango.contrib.redis import RedisStreams
from fastdjango.durable._event import Lease
from fastdjango.durable._transport import is_transport

from .conftest import delete_prefix
from .events import event, number, subs

pytestmark = pytest.mark.redis


async def claim_all(
    transport: RedisStreams, consumer: str, expected: int, *receivers: str, visibility: float = 30
) -> list[Lease]:
    """Claim until ``expected`` leases came (or 5 s passed)."""
    leases: list[Lease] = []
    async with asyncio.timeout(5):
        while len(leases) < expected:
            leases += await transport.claim(
                consumer, subs("order_paid", *receivers), 100, visibility
            )
    return leases


async def test_is_a_transport_that_relays_from_the_outbox(transport: RedisStreams) -> None:
    assert is_transport(transport)
    assert transport.system == "redis"
    assert transport.outbox_role == "relay"


async def test_a_published_event_is_claimed_once_and_acked(transport: RedisStreams) -> None:
    sent = event(n=7)
    await transport.publish([sent])
    [lease] = await claim_all(transport, "w1", 1)
    assert lease.event == sent
    assert (lease.receiver, lease.attempt) == ("mail", 1)
    await transport.ack(lease)
    assert await transport.claim("w2", subs(), 10, 0.01) == []
    assert await transport.deliveries(dead=False) == []


async def test_each_receiver_gets_each_event_once(transport: RedisStreams) -> None:
    sent = [event(receivers=("mail", "search"), n=n) for n in range(50)]
    await transport.publish(sent)
    leases = await claim_all(transport, "w1", 100, "mail", "search")
    got = sorted((lease.receiver, number(lease.event.payload)) for lease in leases)
    assert got == sorted((name, n) for name in ("mail", "search") for n in range(50))
    await asyncio.gather(*(transport.ack(lease) for lease in leases))
    assert await transport.claim("w1", subs("order_paid", "mail", "search"), 100, 30) == []


async def test_an_event_reaches_only_the_receivers_it_names(transport: RedisStreams) -> None:
    await transport.publish([event(receivers=("search",), n=1), event(receivers=("mail",), n=2)])
    [lease] = await claim_all(transport, "w1", 1, "mail")
    assert number(lease.event.payload) == 2
    await transport.ack(lease)
    assert await transport.claim("w1", subs(), 10, 30) == []


async def test_publishing_an_event_twice_delivers_it_once(transport: RedisStreams) -> None:
    sent = event()
    await transport.publish([sent])
    await transport.publish([sent])
    [lease] = await claim_all(transport, "w1", 1)
    await transport.ack(lease)
    assert await transport.claim("w1", subs(), 10, 30) == []


async def test_an_unsettled_lease_is_claimed_by_another_consumer_after_visibility(
    transport: RedisStreams,
) -> None:
    await transport.publish([event()])
    [first] = await claim_all(transport, "crashed", 1, visibility=0.2)
    assert await transport.claim("w2", subs(), 10, 0.2) == []
    await asyncio.sleep(0.3)
    [again] = await claim_all(transport, "w2", 1, visibility=0.2)
    assert again.event == first.event
    assert again.attempt == 2
    # The first consumer settling late does not disturb the second one's lease.
    await transport.retry(first, 0.0, "RuntimeError: late")
    await transport.ack(again)
    await asyncio.sleep(0.05)
    assert await transport.claim("w3", subs(), 10, 0.2) == []


async def test_a_retry_comes_back_after_its_delay_as_the_next_attempt(
    transport: RedisStreams,
) -> None:
    await transport.publish([event()])
    [lease] = await claim_all(transport, "w1", 1)
    await transport.retry(lease, 0.3, "ValueError: boom")
    [pending] = await transport.deliveries(dead=False)
    assert (pending.attempts, pending.last_error) == (2, "ValueError: boom")
    assert await transport.claim("w1", subs(), 10, 30) == []
    await asyncio.sleep(0.3)
    [again] = await claim_all(transport, "w1", 1)
    assert (again.event, again.attempt) == (lease.event, 2)
    await transport.ack(again)
    assert await transport.deliveries(dead=False) == []


async def test_a_buried_delivery_is_listed_dead_and_replayed_from_attempt_one(
    transport: RedisStreams,
) -> None:
    sent = event(receivers=("mail", "search"))
    await transport.publish([sent])
    leases = {
        lease.receiver: lease for lease in await claim_all(transport, "w1", 2, "mail", "search")
    }
    await transport.bury(leases["mail"], "RuntimeError: smtp down")
    await transport.ack(leases["search"])
    [dead] = await transport.deliveries(dead=True)
    assert (dead.event_id, dead.receiver, dead.dead) == (sent.id, "mail", True)
    assert dead.last_error == "RuntimeError: smtp down"
    assert await transport.replay("no-such-event") == 0
    assert await transport.replay(sent.id, receiver="search") == 0
    assert await transport.replay(sent.id) == 1
    assert await transport.deliveries(dead=True) == []
    [again] = await claim_all(transport, "w1", 1, "mail", "search")
    assert (again.receiver, again.attempt, again.event) == ("mail", 1, sent)
    await transport.bury(again, "RuntimeError: still down")
    assert await transport.replay_dead() == 1


async def test_events_with_one_order_key_come_one_at_a_time_in_send_order(
    transport: RedisStreams,
) -> None:
    sent = [event(keys={"mail": f"order-{n % 2}"}, n=n) for n in range(10)]
    await transport.publish(sent)
    seen: dict[str, list[int]] = {"order-0": [], "order-1": []}
    async with asyncio.timeout(10):
        while sum(map(len, seen.values())) < 10:
            batch = await transport.claim("w1", subs(), 100, 30)
            keys = [lease.event.keys["mail"] for lease in batch]
            assert len(keys) == len(set(keys)), "two of one key handed out at once"
            other = await transport.claim("w2", subs(), 100, 30)
            assert not {lease.event.keys["mail"] for lease in other} & set(keys)
            for lease in [*batch, *other]:
                seen[lease.event.keys["mail"]].append(number(lease.event.payload))
                await transport.ack(lease)
    assert seen == {"order-0": [0, 2, 4, 6, 8], "order-1": [1, 3, 5, 7, 9]}


async def test_a_retried_ordered_event_holds_back_the_later_ones_of_its_key(
    transport: RedisStreams,
) -> None:
    await transport.publish([event(keys={"mail": "k"}, n=n) for n in range(2)])
    [first] = await claim_all(transport, "w1", 1)
    assert number(first.event.payload) == 0
    await transport.retry(first, 0.3, "ValueError: later")
    assert await transport.claim("w2", subs(), 10, 30) == []
    await asyncio.sleep(0.35)
    [again] = await claim_all(transport, "w2", 1)
    assert (number(again.event.payload), again.attempt) == (0, 2)
    await transport.ack(again)
    [second] = await claim_all(transport, "w2", 1)
    assert number(second.event.payload) == 1
    await transport.ack(second)


async def test_acknowledged_entries_are_trimmed_unacknowledged_ones_kept(
    transport: RedisStreams, redis_url: str, prefix: str
) -> None:
    await transport.publish([event(receivers=("mail", "search"), n=n) for n in range(300)])
    mail = await claim_all(transport, "w1", 300, "mail")
    await asyncio.gather(*(transport.ack(lease) for lease in mail))
    stream = f"{prefix}:s:order_paid"
    assert await (await transport._ready()).trim([stream]) == 0  # "search" read nothing yet
    search = await claim_all(transport, "w1", 300, "search")
    await asyncio.gather(*(transport.ack(lease) for lease in search[:200]))
    await (await transport._ready()).trim([stream])
    left = await (await transport._ready()).redis.xlen(stream)
    assert 100 <= left < 300
    await asyncio.gather(*(transport.ack(lease) for lease in search[200:]))
    assert await transport.deliveries(dead=False) == []


async def test_an_unreachable_redis_fails_open_naming_the_url_without_password() -> None:
    from tests.support.server import free_port

    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    streams = RedisStreams(url)
    with pytest.raises(
        ConnectionError, match=r"Redis at 'redis://:\*\*\*@127\.0\.0\.1:\d+/0'"
    ) as info:
        await streams.open()
    assert "s3cret" not in str(info.value)
    await streams.close()


async def test_the_first_use_opens_it(redis_url: str, prefix: str) -> None:
    transport = RedisStreams(redis_url, prefix=prefix)
    try:
        await transport.publish([event()])
        [lease] = await claim_all(transport, "w1", 1)
        await transport.ack(lease)
    finally:
        await transport.close()
        await transport.close()


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        ("http://127.0.0.1:6379", ValueError, "needs a redis://, rediss:// or unix:// URL"),
        (6379, TypeError, "needs a URL string"),
    ],
)
def test_a_wrong_url_is_refused_at_once(url: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        RedisStreams(url)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prefix": ""}, "prefix must be a non-empty string"),
        ({"prefix": "my app"}, "prefix must be a non-empty string"),
        ({"shards": 0}, "shards must be a positive int"),
        ({"timeout": 0}, "timeout must be a positive number"),
    ],
)
def test_wrong_options_are_refused_at_once(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RedisStreams("redis://127.0.0.1:6379/0", **options)  # type: ignore[arg-type]


async def test_a_wrong_limit_is_refused(transport: RedisStreams) -> None:
    with pytest.raises(ValueError, match="limit must be a positive int, got 0"):
        await transport.claim("w1", subs(), 0, 30)


async def test_a_stream_lost_with_the_servers_data_gets_its_groups_back_at_publish(
    transport: RedisStreams, redis_url: str, prefix: str
) -> None:
    await transport.publish([event(receivers=("mail", "search"))])
    await delete_prefix(redis_url, prefix)  # as if the server restarted without its data
    sent = event(receivers=("mail", "search"))
    await transport.publish([sent])
    redis = (await transport._ready()).redis
    groups = await redis.xinfo_groups(f"{prefix}:s:order_paid")
    assert sorted(group["name"] for group in groups) == [b"mail", b"search"]
    leases = await claim_all(transport, "w1", 2, "mail", "search")
    assert {(lease.receiver, lease.event.id) for lease in leases} == {
        ("mail", sent.id),
        ("search", sent.id),
    }
