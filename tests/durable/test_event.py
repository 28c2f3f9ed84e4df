"""Events survive the flat-field round trip; bad stored data is MalformedEvent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fastdjango.durable._event import DeliveryRecord, Event, MalformedEvent


def make_event() -> Event:
    return Event(
        id="e1",
        signal="post_save",
        sender="shop.Order",
        payload='{"created": true}',
        receivers=("shop.mail:send", "shop.stock:notify"),
        enqueued_at=datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
        headers={"traceparent": "00-abc-def-01"},
        keys={"shop.stock:notify": "42"},
    )


def test_fields_round_trip() -> None:
    event = make_event()
    assert Event.from_fields(event.as_fields()) == event


def test_bytes_fields_round_trip() -> None:
    event = make_event()
    raw = {key.encode(): value.encode() for key, value in event.as_fields().items()}
    assert Event.from_fields(raw) == event


def test_naive_time_is_read_as_utc() -> None:
    fields = make_event().as_fields()
    fields["enqueued_at"] = "2026-01-02T03:04:05"
    assert Event.from_fields(fields).enqueued_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("receivers", "not json", "malformed"),
        ("receivers", '"one"', "not a list of names"),
        ("receivers", "[1]", "not a list of names"),
        ("headers", "[]", "not a text mapping"),
        ("keys", '{"a": 1}', "not a text mapping"),
        ("enqueued_at", "yesterday", "malformed"),
        ("id", "", "empty 'id'"),
    ],
)
def test_malformed_fields(name: str, value: str, message: str) -> None:
    fields = make_event().as_fields()
    fields[name] = value
    with pytest.raises(MalformedEvent, match=message):
        Event.from_fields(fields)


def test_missing_field() -> None:
    fields = make_event().as_fields()
    del fields["payload"]
    with pytest.raises(MalformedEvent, match="no 'payload' field"):
        Event.from_fields(fields)


def test_record_as_json() -> None:
    record = DeliveryRecord(
        "e1", "post_save", "r", 3, True, "OSError: down", make_event().enqueued_at
    )
    assert record.as_json() == {
        "event_id": "e1",
        "signal": "post_save",
        "receiver": "r",
        "attempts": 3,
        "dead": True,
        "last_error": "OSError: down",
        "enqueued_at": "2026-01-02T03:04:05.000678+00:00",
    }
