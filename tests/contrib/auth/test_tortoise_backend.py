"""TortoiseBackend against real tables on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from argon2 import PasswordHasher

from fastdjango.contrib.auth import (
    UPDATE_LAST_LOGIN_UID,
    authenticate,
    get_user,
    login,
    make_password,
    set_backends,
    update_last_login,
)
from fastdjango.contrib.auth.tortoise import TortoiseBackend
from fastdjango.core.signals import user_logged_in, user_login_failed
from fastdjango.core.signals.testing import capture

from .helpers import make_request
from .models import AuthUser, EmailUser


class CountingHasher(PasswordHasher):
    """A real argon2 hasher that counts its verifications."""

    verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified += 1
        return super().verify(hash, password)


async def test_right_password_returns_the_user(ada: AuthUser) -> None:
    user = await authenticate(make_request(), username="ada", password="correct horse")
    assert isinstance(user, AuthUser)
    assert user.pk == ada.pk


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "ada", "password": "wrong horse"},
        {"username": "nobody", "password": "correct horse"},
        {"username": "ada"},
        {"username": "ada", "password": 12345},
    ],
)
async def test_wrong_credentials_return_none(ada: AuthUser, credentials: dict[str, Any]) -> None:
    assert await authenticate(make_request(), **credentials) is None


async def test_every_failure_costs_one_hash_verification(ada: AuthUser) -> None:
    hasher = CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    set_backends(TortoiseBackend(AuthUser, hasher=hasher))
    await AuthUser.create(username="nohash", password="")
    for username in ("ada", "nobody", "nohash"):
        hasher.verified = 0
        assert await authenticate(None, username=username, password="guess") is None
        assert hasher.verified == 1, username


async def test_inactive_users_can_neither_log_in_nor_be_loaded(ada: AuthUser) -> None:
    request = make_request({})
    await login(request, ada)
    ada.is_active = False
    await ada.save()
    assert await authenticate(request, username="ada", password="correct horse") is None
    assert await get_user(request) is None


async def test_outdated_hashes_are_upgraded_on_login(ada: AuthUser, hasher: PasswordHasher) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    set_backends(TortoiseBackend(AuthUser, hasher=stronger))
    assert await authenticate(None, username="ada", password="correct horse") is not None
    stored = (await AuthUser.get(pk=ada.pk)).password
    assert stored.startswith("$argon2id$v=19$m=16,t=2,p=1$")
    assert not stronger.check_needs_rehash(stored)


async def test_get_user_loads_by_primary_key(ada: AuthUser) -> None:
    backend = TortoiseBackend(AuthUser)
    loaded = await backend.get_user(str(ada.pk))
    assert loaded is not None
    assert loaded.pk == ada.pk
    assert await backend.get_user("999") is None
    assert await backend.get_user("not-a-number") is None


async def test_a_custom_username_field_and_uuid_keys(
    database: str, hasher: PasswordHasher, restore_backends: None
) -> None:
    backend = TortoiseBackend(
        EmailUser, username_field="email", password_field="secret_hash", hasher=hasher
    )
    set_backends(backend)
    grace = await EmailUser.create(
        email="grace@example.com", name="Grace", secret_hash=make_password("cobol", hasher=hasher)
    )
    by_field = await authenticate(None, email="grace@example.com", password="cobol")
    by_username = await authenticate(None, username="grace@example.com", password="cobol")
    assert by_field is not None
    assert by_username is not None
    assert by_field.pk == by_username.pk == grace.pk
    request = make_request({})
    await login(request, by_field)
    loaded = await get_user(request)
    assert loaded is not None
    assert loaded.pk == grace.pk
    assert await backend.get_user("not-a-uuid") is None


async def test_login_records_last_login(ada: AuthUser) -> None:
    assert ada.last_login is None
    await login(make_request({}), ada)
    stored = await AuthUser.get(pk=ada.pk)
    assert stored.last_login is not None
    assert stored.last_login == ada.last_login


async def test_the_last_login_receiver_can_be_disconnected(ada: AuthUser) -> None:
    assert user_logged_in.disconnect(dispatch_uid=UPDATE_LAST_LOGIN_UID)
    try:
        await login(make_request({}), ada)
    finally:
        user_logged_in.connect(update_last_login, weak=False, dispatch_uid=UPDATE_LAST_LOGIN_UID)
    assert (await AuthUser.get(pk=ada.pk)).last_login is None


async def test_login_of_an_unsaved_model_is_refused(ada: AuthUser) -> None:
    request = make_request({})
    with pytest.raises(ValueError, match=r"login\(\) needs a user with a primary key"):
        await login(request, AuthUser(username="unsaved"))
    assert request.session == {}


def test_construction_errors() -> None:
    with pytest.raises(TypeError, match="needs a tortoise Model subclass, got <class 'dict'>"):
        TortoiseBackend(dict)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"AuthUser has no field 'email' for username_field"):
        TortoiseBackend(AuthUser, username_field="email")
    with pytest.raises(ValueError, match=r"no field 'pw' for password_field; pass one of"):
        TortoiseBackend(AuthUser, password_field="pw")
    with pytest.raises(ValueError, match=r"EmailUser.name is not unique.*unique=True"):
        TortoiseBackend(EmailUser, username_field="name", password_field="secret_hash")
    assert repr(TortoiseBackend(AuthUser)) == (
        "TortoiseBackend(AuthUser, username_field='username')"
    )


class HashCountingHasher(CountingHasher):
    """Counts hashes made as well as verifications."""

    hashed = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashed += 1
        return super().hash(password, salt=salt)


def _cheap_counting_hasher() -> HashCountingHasher:
    return HashCountingHasher(time_cost=1, memory_cost=8, parallelism=1)


ODD_CREDENTIALS: list[Any] = [
    pytest.param({"username": "a" * 151, "password": "guess"}, id="longer-than-the-column"),
    pytest.param({"username": "a" * 100_000, "password": "guess"}, id="huge-username"),
    pytest.param({"username": "ada", "password": "correct\ud800horse"}, id="surrogate-password"),
    pytest.param({"username": "nobody", "password": "\udfff"}, id="surrogate-unknown-user"),
    pytest.param({"username": "ad\ud800a", "password": "guess"}, id="surrogate-username"),
    pytest.param({"username": "ad\x00a", "password": "guess"}, id="nul-in-username"),
    pytest.param({"username": "ada", "password": "x", "self": "x"}, id="credential-named-self"),
    pytest.param({"username": "", "password": ""}, id="empty"),
]


@pytest.mark.parametrize("credentials", ODD_CREDENTIALS)
async def test_odd_credentials_are_a_normal_failed_login(
    ada: AuthUser, credentials: dict[str, Any]
) -> None:
    hasher = _cheap_counting_hasher()
    set_backends(TortoiseBackend(AuthUser, hasher=hasher))
    with capture(user_login_failed) as failed:
        assert await authenticate(make_request(), **credentials) is None
    assert len(failed) == 1
    assert hasher.verified == 1  # costs what a wrong password costs


@pytest.mark.parametrize("username", ["abc", "99999999999999999999", "-1.5", "\x00"])
async def test_odd_usernames_for_an_integer_username_field(ada: AuthUser, username: str) -> None:
    hasher = _cheap_counting_hasher()
    set_backends(TortoiseBackend(AuthUser, username_field="id", hasher=hasher))
    with capture(user_login_failed) as failed:
        assert await authenticate(None, username=username, password="correct horse") is None
    assert len(failed) == 1
    assert hasher.verified == 1
    assert await authenticate(None, username=str(ada.pk), password="correct horse") is not None


@pytest.mark.parametrize("user_id", ["99999999999999999999", "-99999999999999999999", "1\x00"])
async def test_get_user_with_an_odd_id_finds_nobody(ada: AuthUser, user_id: str) -> None:
    assert await TortoiseBackend(AuthUser).get_user(user_id) is None


async def test_the_dummy_hash_is_made_when_the_backend_is(ada: AuthUser) -> None:
    hasher = _cheap_counting_hasher()
    backend = TortoiseBackend(AuthUser, hasher=hasher)
    assert hasher.hashed == 1
    set_backends(backend)
    for _ in range(3):
        assert await authenticate(None, username="nobody", password="guess") is None
    # The first failure after start-up verifies, like every other, and hashes nothing.
    assert (hasher.hashed, hasher.verified) == (1, 3)
