"""What travels: JSON text of a send's sender and arguments, never pickle.

Events cross trust boundaries (a queue, another machine), so decoding never
runs code named by the data: classes named in an event (an Enum, a
dataclass) are looked up among modules this process already imported, and
must be what the tag says.

JSON types travel as themselves (tuples arrive as lists). The other types
travel as ``{"__fastdjango__": tag, ...}`` objects: datetime, date, time,
UUID, Decimal, bytes, set, frozenset, Enum members, dataclass instances,
ORM model instances (a snapshot of their fields, restored by the ORM's
:class:`ModelCodec`) and classes with a registered sender label (model
classes). Request scopes and request objects travel reduced (see
:mod:`._scopes`). Anything else is a ``TypeError`` naming the argument.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
import sys
import threading
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Final, Protocol, runtime_checkable

from fastdjango.core.signals._aliases import aliases_of, resolve_alias

from ._event import MalformedEvent
from ._scopes import mask_fields, reduce_scope

__all__ = [
    "ModelCodec",
    "decode_arguments",
    "decode_sender",
    "encode_arguments",
    "encode_sender",
    "register_model_codec",
]

TAG: Final = "__fastdjango__"


@runtime_checkable
class ModelCodec(Protocol):
    """How an ORM integration turns its model instances into snapshots and back."""

    def snapshot(self, value: object) -> tuple[str, dict[str, Any]] | None:
        """``(model label, field values)`` for an instance of one of its models, else None.

        Field values may be anything the codec encodes (datetimes, Decimals, ...).
        """
        ...

    def restore(self, label: str, fields: dict[str, Any]) -> object:
        """An instance of the model ``label`` with these field values (no query).

        Raises:
            LookupError: No model has that label.
        """
        ...


_codecs: list[ModelCodec] = []
_lock = threading.Lock()


def register_model_codec(codec: ModelCodec) -> None:
    """Let model instances of an ORM travel as snapshots (its integration calls this)."""
    if not isinstance(codec, ModelCodec):
        raise TypeError(f"register_model_codec() takes a ModelCodec, not {codec!r}.")
    with _lock:
        if all(known is not codec for known in _codecs):
            _codecs.append(codec)


class _Unencodable(TypeError):
    def __init__(self, value: object) -> None:
        super().__init__(type(value))
        self.value = value


def _path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _tagged(value: object) -> Any:
    """``json.dumps(default=...)``: a non-JSON value as a tagged object."""
    if isinstance(value, datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {TAG: "time", "v": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {TAG: "uuid", "v": str(value)}
    if isinstance(value, Decimal):
        return {TAG: "decimal", "v": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {TAG: "bytes", "v": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, frozenset):
        return {TAG: "frozenset", "v": _sorted(value)}
    if isinstance(value, set):
        return {TAG: "set", "v": _sorted(value)}
    if isinstance(value, type):
        labels = aliases_of(value)
        if labels:
            return {TAG: "class", "label": labels[0]}
        raise _Unencodable(value)
    for codec in _codecs:
        snapshot = codec.snapshot(value)
        if snapshot is not None:
            label, fields = snapshot
            return {TAG: "model", "label": label, "v": fields}
    if isinstance(value, enum.Enum):
        return {TAG: "enum", "cls": _path(type(value)), "v": value.value}
    if dataclasses.is_dataclass(value):
        fields = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        return {TAG: "dataclass", "cls": _path(type(value)), "v": fields}
    reduced = reduce_scope(value)
    if reduced is not None:
        return reduced
    raise _Unencodable(value)


def _sorted(items: set[Any] | frozenset[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:
        return list(items)


def _dumps(value: object) -> str:
    return json.dumps(value, default=_tagged, separators=(",", ":"), ensure_ascii=False)


#: Arguments of the user signals whose secrets (a password hash) never travel.
_MASKED_ARGUMENTS: Final = frozenset({"user", "credentials"})


def _prepare(value: object, name: str = "") -> object:
    # Enums subclassing str / int would be written as plain JSON values, and
    # ASGI scopes are dicts: both are turned into their travelling form first.
    if isinstance(value, enum.Enum):
        return {TAG: "enum", "cls": _path(type(value)), "v": value.value}
    if isinstance(value, dict):
        reduced = reduce_scope(value)
        if reduced is not None:
            return reduced
    if name in _MASKED_ARGUMENTS:
        if isinstance(value, Mapping):
            return mask_fields(value)
        for codec in _codecs:
            snapshot = codec.snapshot(value)
            if snapshot is not None:
                label, fields = snapshot
                return {TAG: "model", "label": label, "v": mask_fields(fields)}
    return value


def encode_arguments(named: Mapping[str, Any]) -> str:
    """The JSON text of a send's named arguments.

    Raises:
        TypeError: An argument (or something inside it) cannot travel; the
            message names the argument and the type.
    """
    prepared = {name: _prepare(value, name) for name, value in named.items()}
    try:
        return _dumps(prepared)
    except (TypeError, ValueError):
        pass
    for name, value in prepared.items():  # find the culprit, for the message
        _encode_one(name, value)
    raise AssertionError(
        "arguments failed to encode together but not one by one"
    )  # pragma: no cover


def _encode_one(name: str, value: object) -> str:
    try:
        return _dumps(value)
    except _Unencodable as exc:
        inner = exc.value
        where = "" if inner is value else f" (it holds a {type(inner).__qualname__}: {inner!r})"
        raise TypeError(
            f"The argument {name}={value!r} of a durable send cannot travel as JSON: "
            f"{type(value).__qualname__} is not supported{where}. Send JSON types, datetimes, "
            f"UUIDs, Decimals, bytes, sets, Enums, dataclasses or model instances "
            f"(or the model's primary key)."
        ) from None
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"The argument {name}={value!r} of a durable send cannot travel as JSON: {exc}."
        ) from None


def encode_sender(sender: object) -> str:
    """The JSON text of a send's sender (a model class travels by its label).

    Raises:
        TypeError: The sender cannot travel; the message says what to send.
    """
    return _encode_one("sender", _prepare(sender))


def decode_arguments(text: str) -> dict[str, Any]:
    """The named arguments back from :func:`encode_arguments`'s text.

    Raises:
        MalformedEvent: The text is not what the codec writes, or names a
            class or model this process does not have.
    """
    value = _loads(text)
    if not isinstance(value, dict):
        raise MalformedEvent(f"The event's payload is not a JSON object: {text[:200]!r}.")
    return value


def decode_sender(text: str) -> object:
    """The sender back from :func:`encode_sender`'s text (see :func:`decode_arguments`)."""
    if text == "null":  # the most common sender: none
        return None
    return _loads(text)


def _loads(text: str) -> Any:
    try:
        if TAG not in text:  # nothing tagged: the plain decoder, no hook per object
            return json.loads(text)
        return _TAGGED.decode(text)
    except MalformedEvent:
        raise
    except (ValueError, TypeError, LookupError, ArithmeticError) as exc:
        raise MalformedEvent(f"The event's data cannot be decoded: {exc}") from None


def _untagged(obj: dict[str, Any]) -> Any:
    tag = obj.get(TAG)
    if tag is None:
        return obj
    value: Any = obj.get("v")
    if tag == "datetime":
        return datetime.fromisoformat(value)
    if tag == "date":
        return date.fromisoformat(value)
    if tag == "time":
        return time.fromisoformat(value)
    if tag == "uuid":
        return uuid.UUID(value)
    if tag == "decimal":
        return Decimal(value)
    if tag == "bytes":
        return base64.b64decode(value, validate=True)
    if tag == "set":
        return set(value)
    if tag == "frozenset":
        return frozenset(value)
    if tag == "enum":
        return _imported(obj["cls"], enum.Enum)(value)
    if tag == "dataclass":
        cls: Any = _imported(obj["cls"], object)
        if not dataclasses.is_dataclass(cls):
            raise MalformedEvent(f"{obj['cls']!r} is not a dataclass.")
        build: Any = cls
        return build(**value)
    if tag == "class":
        target = resolve_alias(obj["label"])
        if target is None:
            raise MalformedEvent(f"No model has the label {obj['label']!r} in this process.")
        return target
    if tag == "model":
        return _restore(obj["label"], value)
    raise MalformedEvent(f"Unknown value tag {tag!r} in the event's data.")


def _restore(label: str, fields: dict[str, Any]) -> object:
    for codec in _codecs:
        try:
            return codec.restore(label, fields)
        except LookupError:
            continue
    raise MalformedEvent(
        f"No model has the label {label!r} in this process: import the models (and "
        f"initialise the ORM) in the worker's --setup."
    )


def _imported(path: str, base: type) -> Any:
    """A class named ``module:qualname``, from a module already imported (never imports)."""
    module_name, _, qualname = str(path).partition(":")
    target: Any = sys.modules.get(module_name)
    if target is None:
        raise MalformedEvent(
            f"The event names {path!r}, but {module_name!r} is not imported in this process: "
            f"import it in the worker (--import {module_name})."
        )
    for part in qualname.split("."):
        target = getattr(target, part, None)
    if not isinstance(target, type) or not issubclass(target, base):
        raise MalformedEvent(f"The event names {path!r}, which is not a {base.__name__} here.")
    return target


#: Decodes text holding tagged values (made once: ``json.loads`` with a hook makes one per call).
_TAGGED: Final = json.JSONDecoder(object_hook=_untagged)
