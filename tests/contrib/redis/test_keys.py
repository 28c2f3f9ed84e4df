"""The key layout."""

from __future__ import annotations

import pytest

from fastdjango.contrib.redis._keys import Keys, registry_entry, registry_field


def test_every_key_starts_with_the_prefix() -> None:
    keys = Keys("shop", shards=4)
    names = [
        keys.signal("paid"),
        keys.ordered("paid", "mail", 3),
        keys.lock("paid", "mail", 3),
        keys.hold("paid", "mail", 3),
        keys.retry("paid", "mail"),
        keys.delayed("paid", "mail"),
        keys.dead("paid", "mail"),
        keys.published("e1"),
        keys.receivers,
        keys.wake,
    ]
    assert all(name.startswith("shop:") for name in names)
    assert len(set(names)) == len(names)
    assert keys.pattern == "shop:*"


def test_one_order_key_always_goes_to_one_shard() -> None:
    keys = Keys("shop", shards=8)
    assert keys.shard_of("order-17") == Keys("other", shards=8).shard_of("order-17")
    assert {keys.shard_of(f"order-{n}") for n in range(200)} == set(range(8))


def test_registry_fields_round_trip_names_with_colons() -> None:
    field = registry_field("shop.paid", "shop.mail:send_receipt")
    assert registry_entry(field) == ("shop.paid", "shop.mail:send_receipt")
    assert registry_entry(field.encode()) == ("shop.paid", "shop.mail:send_receipt")


@pytest.mark.parametrize("shards", [0, -1, True, 1.5])
def test_shards_must_be_a_positive_int(shards: object) -> None:
    with pytest.raises(ValueError, match=f"shards must be a positive int, got {shards!r}"):
        Keys("shop", shards=shards)  # type: ignore[arg-type]
