"""Which values are secrets, and copies of data with every secret masked.

One rule for every place fastdjango hands data on: ``user_login_failed``'s
credentials, the library's log lines, and the request and user arguments
that durable events carry. It needs nothing outside the standard library.

A *name* is secret when, ignoring case,

- it contains one of the fragments :data:`SECRET_FRAGMENTS` anywhere:
  ``api``, ``auth``, ``cookie``, ``credential``, ``key``, ``pass``, ``pwd``,
  ``secret``, ``session``, ``signature``, ``token`` (Django's list for
  credentials, ``api token key secret password signature``, and more:
  ``passcode``, ``Authorization``, ``Set-Cookie``, ``sessionid`` ...), or
- one of its words is one of :data:`SECRET_WORDS`: ``pin``, ``pincode``,
  ``otp``, ``totp``, ``hotp``, ``cvv``, ``cvc``. Words are split at every
  character that is not a letter or digit, between letters and digits, and
  at camelCase humps, so ``PIN``, ``pIn``, ``user_pin``, ``pin2``,
  ``userPin``, ``X-OTP`` and ``otpCode`` are secret
  while ``shipping``, ``spinner`` and ``hotpot`` are not (as fragments these
  short words would mask half a form).

:func:`mask_secrets` walks a value at any depth: in a mapping, the value of
every secret key is replaced by :data:`MASK`; in a list, tuple, set or
frozenset, a *pair* whose first item is a secret name — ``("authorization",
"Bearer ...")``, ASGI's ``(b"cookie", b"...")`` — keeps its name and has its
second item masked; a named tuple is masked by its field names. Names may be
``str`` or ``bytes``. What is under a secret name is masked whole, whatever
it is. Other objects are kept as they are (they are not copied), and
anything nested deeper than :data:`MAX_DEPTH` levels, or a container that
contains itself, is masked whole: a secret can never slip through. The net
is wide on purpose, as in Django: a masked harmless value costs nothing, a
leaked secret does.

Extend the rule for your own names at start-up with
:func:`add_secret_names`::

    from fastdjango.masking import add_secret_names

    add_secret_names("iban", "recovery")      # fragments: anywhere in a name
    add_secret_names("ssn", word=True)        # a whole word: user_ssn, SSN, not "classname"
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any, Final, TypeVar

__all__ = [
    "MASK",
    "MAX_DEPTH",
    "SECRET_FRAGMENTS",
    "SECRET_WORDS",
    "add_secret_names",
    "is_secret_name",
    "mask_mapping",
    "mask_secrets",
]

T = TypeVar("T")

#: What a masked value is replaced with (as bytes when the value was bytes).
MASK: Final = "********************"
_MASK_BYTES: Final = MASK.encode()

#: Containers nested deeper than this are masked whole.
MAX_DEPTH: Final = 64

#: Built-in fragments: a name containing one of them (any case) is secret.
SECRET_FRAGMENTS: Final = (
    "api",
    "auth",
    "cookie",
    "credential",
    "key",
    "pass",
    "pwd",
    "secret",
    "session",
    "signature",
    "token",
)

#: Built-in words: a name with one of them as a word (any case) is secret.
SECRET_WORDS: Final = ("pin", "pincode", "otp", "totp", "hotp", "cvv", "cvc")

# camelCase humps and runs of letters or digits: "userPINCode2" -> user PIN Code 2.
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_NAME = re.compile(r"[A-Za-z0-9]+")
_LETTERS = re.compile(r"[A-Za-z]+")

_lock = threading.Lock()
_fragments: tuple[str, ...] = SECRET_FRAGMENTS
_words: frozenset[str] = frozenset(SECRET_WORDS)
_fragment_pattern = re.compile("|".join(_fragments))


def add_secret_names(*names: str, word: bool = False) -> None:
    """Treat ``names`` as secret everywhere fastdjango masks, from now on.

    Args:
        names: letters and digits only, matched ignoring case.
        word: False (the default) matches each name as a fragment, anywhere
            in a name (``"iban"`` masks ``payee_iban``); True only as a whole
            word (``"ssn"`` masks ``user_ssn`` and ``SSN`` but not
            ``classname``). Prefer words for names shorter than four letters.

    Adding a name twice changes nothing; the built-in names cannot be removed.

    Raises:
        TypeError: a name is not a string.
        ValueError: a name is empty or holds something other than letters and digits.
    """
    global _fragments, _words, _fragment_pattern
    for name in names:
        if not isinstance(name, str):
            raise TypeError(
                f"add_secret_names() takes names as strings, got {name!r} "
                f"({type(name).__name__}); pass e.g. add_secret_names('iban')."
            )
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"add_secret_names() got {name!r}; a secret name is letters and digits "
                "only (it is matched ignoring case), e.g. 'iban' or 'ssn'."
            )
    lowered = [name.lower() for name in names]
    with _lock:
        if word:
            _words = _words.union(lowered)
        else:
            _fragments = tuple(dict.fromkeys((*_fragments, *lowered)))
            _fragment_pattern = re.compile("|".join(_fragments))


def is_secret_name(name: object) -> bool:
    """Whether a value named ``name`` (``str`` or ``bytes``) is a secret; False for other types."""
    if isinstance(name, bytes):
        name = name.decode("latin-1")
    if not isinstance(name, str):
        return False
    if _fragment_pattern.search(name.lower()):
        return True
    words = {*_NAME.findall(name), *_LETTERS.findall(name), *_WORDS.findall(name)}
    return not _words.isdisjoint(word.lower() for word in words)


def mask_secrets(value: T) -> T:
    """A copy of ``value`` with every secret masked (see the module's rule); ``value`` is untouched.

    Mappings come back as ``dict`` and lists, tuples, sets and frozensets
    as their own built-in type; other objects are returned as they are.
    """
    return _walk(value, 0, set())  # type: ignore[no-any-return]


def mask_mapping(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    """A ``dict`` copy of ``mapping`` with every secret masked at any depth."""
    return {key: _entry(key, item, 1, set()) for key, item in mapping.items()}


def _masked(value: object) -> object:
    return _MASK_BYTES if isinstance(value, bytes | bytearray) else MASK


def _entry(name: object, value: Any, depth: int, seen: set[int]) -> Any:
    return _masked(value) if is_secret_name(name) else _walk(value, depth, seen)


def _walk(value: Any, depth: int, seen: set[int]) -> Any:
    if isinstance(value, str | bytes | int | float | bool | None):
        return value
    is_container = isinstance(value, Mapping | list | tuple | set | frozenset)
    if not is_container:
        return value
    if depth >= MAX_DEPTH or id(value) in seen:
        return MASK
    seen.add(id(value))
    try:
        return _walk_container(value, depth + 1, seen)
    finally:
        seen.discard(id(value))


def _walk_container(value: Any, depth: int, seen: set[int]) -> Any:
    if isinstance(value, Mapping):
        return {key: _entry(key, item, depth, seen) for key, item in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        fields = zip(value._fields, value, strict=True)
        return type(value)(*(_entry(name, item, depth, seen) for name, item in fields))
    if isinstance(value, list | tuple) and len(value) == 2 and is_secret_name(value[0]):
        pair = [value[0], _masked(value[1])]
        return pair if isinstance(value, list) else tuple(pair)
    items = [_walk(item, depth, seen) for item in value]
    if isinstance(value, list):
        return items
    if isinstance(value, tuple):
        return tuple(items)
    # Walking keeps hashable items hashable: tuples stay tuples, masks are strings.
    return frozenset(items) if isinstance(value, frozenset) else set(items)
