"""make_password / check_password with argon2."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from fastdjango.contrib.auth import DEFAULT_HASHER, check_password, make_password


def test_round_trip(hasher: PasswordHasher) -> None:
    encoded = make_password("correct horse", hasher=hasher)
    assert encoded.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert check_password("correct horse", encoded, hasher=hasher)
    assert not check_password("wrong horse", encoded, hasher=hasher)


def test_each_hash_is_salted(hasher: PasswordHasher) -> None:
    assert make_password("same", hasher=hasher) != make_password("same", hasher=hasher)


def test_default_hasher_is_argon2_defaults() -> None:
    defaults = PasswordHasher()
    assert make_password("x").startswith(
        f"$argon2id$v=19$m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}$"
    )
    assert DEFAULT_HASHER.time_cost == defaults.time_cost


@pytest.mark.parametrize("encoded", ["", "plain-text", "$argon2id$v=19$broken"])
def test_unusable_hashes_never_match(encoded: str, hasher: PasswordHasher) -> None:
    assert check_password("plain-text", encoded, hasher=hasher) is False


def test_hash_made_with_other_parameters_still_verifies(hasher: PasswordHasher) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    encoded = make_password("pw", hasher=stronger)
    assert check_password("pw", encoded, hasher=hasher)
    assert hasher.check_needs_rehash(encoded)


def test_non_text_password_is_refused(hasher: PasswordHasher) -> None:
    with pytest.raises(TypeError, match="A password must be a string, got bytes; decode bytes"):
        make_password(b"pw", hasher=hasher)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got NoneType"):
        check_password(None, "x", hasher=hasher)  # type: ignore[arg-type]


def test_a_lone_surrogate_is_hashed_and_checked_like_any_text(hasher: PasswordHasher) -> None:
    encoded = make_password("pw\ud800", hasher=hasher)
    assert check_password("pw\ud800", encoded, hasher=hasher)
    assert not check_password("pw\udfff", encoded, hasher=hasher)
    assert not check_password("pw\ud800", make_password("pw", hasher=hasher), hasher=hasher)


def test_text_hashes_as_before(hasher: PasswordHasher) -> None:
    # Hashes made before surrogates were allowed (argon2-cffi's own UTF-8) still verify.
    assert check_password("pässwörd", hasher.hash("pässwörd"), hasher=hasher)
