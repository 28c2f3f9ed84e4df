"""The JSON codec: what travels, how it arrives, and what is refused."""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from fastdjango.core.signals import alias_sender
from fastdjango.durable._codec import (
    decode_arguments,
    decode_sender,
    encode_arguments,
    encode_sender,
)
from fastdjango.durable._event import MalformedEvent
from fastdjango.masking import MASK


class Color(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


@dataclass(frozen=True)
class Point:
    x: int
    when: date


class Shipment:
    """A class that gets a sender label, like a model class."""


def round_trip(**named: Any) -> dict[str, Any]:
    return decode_arguments(encode_arguments(named))


def test_json_and_listed_types_round_trip() -> None:
    values: dict[str, Any] = {
        "text": "é",
        "number": 3,
        "ratio": 0.5,
        "flag": True,
        "nothing": None,
        "items": [1, "a"],
        "mapping": {"a": {"b": [1]}},
        "moment": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "day": date(2026, 1, 2),
        "clock": time(3, 4, 5),
        "ident": uuid.UUID(int=7),
        "price": Decimal("12.30"),
        "raw": b"\x00\xff",
        "tags": {"b", "a"},
        "frozen": frozenset({1, 2}),
        "color": Color.RED,
        "size": Size.BIG,
        "point": Point(1, date(2026, 5, 6)),
        "nested": [Color.RED, {"at": date(2026, 1, 1)}],
    }
    arrived = round_trip(**values)
    assert arrived == values
    assert type(arrived["size"]) is Size
    assert type(arrived["price"]) is Decimal


def test_tuples_arrive_as_lists() -> None:
    assert round_trip(pair=(1, 2)) == {"pair": [1, 2]}


def test_class_with_a_label_travels_by_label() -> None:
    alias_sender("shipping.Shipment", Shipment)
    assert json.loads(encode_sender(Shipment)) == {
        "__fastdjango__": "class",
        "label": "shipping.Shipment",
    }
    assert decode_sender(encode_sender(Shipment)) is Shipment
    assert round_trip(model=Shipment) == {"model": Shipment}
    assert decode_sender(encode_sender("orders")) == "orders"
    assert decode_sender(encode_sender(None)) is None


def test_unsupported_argument_is_named() -> None:
    with pytest.raises(TypeError, match=r"argument lock=<object object .*object is not supported"):
        encode_arguments({"ok": 1, "lock": object()})
    with pytest.raises(TypeError, match=r"argument items=\[.*holds a Shipment"):
        encode_arguments({"items": [1, Shipment()]})
    with pytest.raises(TypeError, match="argument sender="):
        encode_sender(Shipment())


def test_class_without_label_is_refused() -> None:
    class Unlabelled:
        pass

    with pytest.raises(TypeError, match="type is not supported"):
        encode_arguments({"kind": Unlabelled})


def test_asgi_scope_is_reduced_and_masked() -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "method": "POST",
        "path": "/orders",
        "query_string": b"page=2&token=abc",
        "client": ("127.0.0.1", 5000),
        "headers": [
            (b"host", b"shop"),
            (b"cookie", b"sessionid=1"),
            (b"authorization", b"Bearer x"),
            (b"x-api-key", b"k"),
            (b"accept", b"a"),
            (b"accept", b"b"),
        ],
        "app": object(),
        "state": {"db": object()},
    }
    assert round_trip(scope=scope) == {
        "scope": {
            "type": "http",
            "method": "POST",
            "path": "/orders",
            "query": f"page=2&token={MASK.replace('*', '%2A')}",
            "client": ["127.0.0.1", 5000],
            "headers": {"host": "shop", "x-api-key": MASK, "accept": "a, b"},
        }
    }


def test_request_object_travels_as_its_reduced_scope() -> None:
    class Request:
        scope: ClassVar[dict[str, Any]] = {
            "type": "http",
            "asgi": {},
            "method": "GET",
            "path": "/",
            "headers": [],
        }

    arrived = round_trip(request=Request())["request"]
    assert arrived == {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query": "",
        "client": None,
        "headers": {},
    }


def test_credentials_are_masked() -> None:
    credentials = {"username": "ada", "password": "hunter2"}
    assert round_trip(credentials=credentials) == {
        "credentials": {"username": "ada", "password": MASK}
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "cannot be decoded"),
        ("[1]", "not a JSON object"),
        ('{"a": {"__fastdjango__": "nope"}}', "Unknown value tag 'nope'"),
        ('{"a": {"__fastdjango__": "enum", "cls": "nowhere.at.all:X", "v": 1}}', "not imported"),
        (
            '{"a": {"__fastdjango__": "enum", "cls": "builtins:dict", "v": 1}}',
            "not a Enum here",
        ),
        (
            '{"a": {"__fastdjango__": "dataclass", "cls": "builtins:dict", "v": {}}}',
            "not a dataclass",
        ),
        ('{"a": {"__fastdjango__": "class", "label": "no.Such"}}', "No model has the label"),
        ('{"a": {"__fastdjango__": "model", "label": "no.Such", "v": {}}}', "No model has"),
        ('{"a": {"__fastdjango__": "decimal", "v": "x"}}', "cannot be decoded"),
    ],
)
def test_malformed_payloads(text: str, message: str) -> None:
    with pytest.raises(MalformedEvent, match=message):
        decode_arguments(text)
