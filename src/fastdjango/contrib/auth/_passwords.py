"""Password hashing with argon2 (argon2-cffi), never by hand.

The default hasher uses argon2-cffi's defaults (RFC 9106's low-memory
profile: argon2id, 64 MiB, 3 passes), about a tenth of a second per hash.
Pass a cheaper ``argon2.PasswordHasher`` in tests, and the same one to
:class:`~fastdjango.contrib.auth.tortoise.TortoiseBackend`.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["DEFAULT_HASHER", "check_password", "make_password"]

#: The hasher used when none is given.
DEFAULT_HASHER = PasswordHasher()


def make_password(password: str, *, hasher: PasswordHasher | None = None) -> str:
    """Hash ``password`` for storage (an ``$argon2id$...`` string, salt included).

    Args:
        password: the plain-text password.
        hasher: the argon2 hasher and its parameters; :data:`DEFAULT_HASHER`
            when None.

    Raises:
        TypeError: ``password`` is not a string.
    """
    return (hasher or DEFAULT_HASHER).hash(_encoded(password))


def check_password(password: str, encoded: str, *, hasher: PasswordHasher | None = None) -> bool:
    """Whether ``password`` matches the stored hash ``encoded``.

    A wrong password, an empty or malformed hash all give False, never an
    exception. The comparison is done by argon2 (constant time). The
    parameters stored in ``encoded`` are used to verify it, so a hash made
    with other parameters still verifies; ``hasher.check_needs_rehash`` tells
    when to re-hash it.

    Raises:
        TypeError: ``password`` is not a string.
    """
    secret = _encoded(password)
    try:
        return (hasher or DEFAULT_HASHER).verify(encoded, secret)
    except (VerificationError, InvalidHashError):
        return False


def _encoded(password: object) -> bytes:
    if not isinstance(password, str):
        raise TypeError(
            f"A password must be a string, got {type(password).__name__}; "
            "decode bytes before hashing them."
        )
    # UTF-8, as argon2-cffi encodes text; a lone surrogate (which JSON can
    # carry, "\ud800") is kept as its code point instead of failing, so such
    # a password is hashed and checked like any other, at the same cost.
    return password.encode("utf-8", "surrogatepass")
