"""authenticate / login / logout / get_user with in-memory backends and bare requests."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.requests import HTTPConnection

from fastdjango.contrib.auth import (
    BACKEND_SESSION_KEY,
    MASK,
    SENDER,
    USER_ID_SESSION_KEY,
    BackendError,
    authenticate,
    backend_name,
    get_backends,
    get_user,
    login,
    logout,
    set_backends,
)
from fastdjango.core.signals import user_logged_in, user_logged_out, user_login_failed
from fastdjango.core.signals.testing import capture

from .helpers import BrokenBackend, Member, MemoryBackend, TokenBackend, make_request

pytestmark = pytest.mark.usefixtures("restore_backends")

ADA = Member(1, "ada")
BOB = Member(2, "bob")


def _raise(**kwargs: Any) -> None:
    raise LookupError("audit log is full")


# -- configuring backends -----------------------------------------------------


def test_set_backends_returns_the_previous_ones() -> None:
    first, second = MemoryBackend(ADA), TokenBackend(BOB, "t")
    set_backends(first)
    assert set_backends(first, second) == (first,)
    assert get_backends() == (first, second)
    assert set_backends() == (first, second)
    assert get_backends() == ()


def test_set_backends_refuses_objects_that_are_not_backends() -> None:
    with pytest.raises(TypeError, match=r"needs an `async def authenticate\(...\)` method"):
        set_backends(object())  # type: ignore[arg-type]


def test_set_backends_refuses_two_backends_of_one_class() -> None:
    with pytest.raises(ValueError, match="configure one instance per class"):
        set_backends(MemoryBackend(ADA), MemoryBackend(BOB))


def test_backend_name_is_the_dotted_class_path() -> None:
    assert backend_name(MemoryBackend()) == "tests.contrib.auth.helpers.MemoryBackend"


async def test_authenticate_without_backends_says_how_to_configure_them() -> None:
    set_backends()
    with pytest.raises(RuntimeError, match=r"No authentication backend is configured; call"):
        await authenticate(make_request(), name="ada", password="1234")


# -- authenticate ---------------------------------------------------------------


async def test_authenticate_returns_the_user_and_sends_nothing() -> None:
    set_backends(MemoryBackend(ADA))
    with capture(user_login_failed) as failed:
        assert await authenticate(make_request(), name="ada", password="1234") is ADA
    assert len(failed) == 0


async def test_failure_sends_masked_credentials_and_the_request() -> None:
    set_backends(MemoryBackend(ADA))
    request = make_request()
    with capture(user_login_failed) as failed:
        assert await authenticate(request, name="ada", password="0000") is None
    assert failed.senders == [SENDER]
    assert failed[0].kwargs == {
        "credentials": {"name": "ada", "password": MASK},
        "request": request,
    }


async def test_backends_that_do_not_take_the_credentials_are_skipped() -> None:
    tokens = TokenBackend(BOB, token="t0k3n")
    set_backends(tokens, MemoryBackend(ADA))
    assert await authenticate(make_request(), name="ada", password="1234") is ADA
    assert tokens.asked == 0
    assert await authenticate(make_request(), api_token="t0k3n") is BOB


class AnyCredentials:
    """A backend written the plain way (``self`` not positional-only), knowing nobody."""

    async def authenticate(self, request: HTTPConnection | None, **credentials: Any) -> None:
        return None

    async def get_user(self, user_id: str) -> None:
        return None


async def test_a_credential_named_self_skips_a_backend_it_would_break() -> None:
    set_backends(AnyCredentials())
    with capture(user_login_failed) as failed:
        assert await authenticate(make_request(), username="ada", self="x") is None
    assert failed[0].kwargs["credentials"] == {"username": "ada", "self": "x"}


async def test_permission_denied_stops_the_walk_and_fails_the_login() -> None:
    tokens = TokenBackend(BOB, token="t0k3n")

    class Fallback(TokenBackend):
        pass

    fallback = Fallback(ADA, token="revoked")
    set_backends(tokens, fallback)
    with capture(user_login_failed) as failed:
        assert await authenticate(make_request(), api_token="revoked") is None
    assert fallback.asked == 0
    assert failed[0].kwargs["credentials"] == {"api_token": MASK}


async def test_a_raising_backend_is_a_clear_error_without_secrets() -> None:
    set_backends(BrokenBackend())
    with capture(user_login_failed) as failed, pytest.raises(BackendError) as raised:
        await authenticate(make_request(), username="ada", password="hunter2")
    assert str(raised.value) == (
        "The authentication backend tests.contrib.auth.helpers.BrokenBackend raised "
        "ConnectionError in authenticate(); fix the backend (the original error is chained "
        "above). No user was logged in."
    )
    assert isinstance(raised.value.__cause__, ConnectionError)
    assert len(failed) == 0


async def test_failure_is_logged_with_masked_credentials(caplog: pytest.LogCaptureFixture) -> None:
    set_backends(MemoryBackend(ADA))
    with caplog.at_level(logging.DEBUG, logger="fastdjango.auth"):
        assert await authenticate(None, name="ada", password="1234") is ADA
        assert await authenticate(None, name="ada", password="1234", api_key="sk-live-123") is None
    assert [r.getMessage() for r in caplog.records] == [
        f"Authentication failed for credentials {{'name': 'ada', 'password': '{MASK}', "
        f"'api_key': '{MASK}'}}"
    ]
    assert "sk-live" not in caplog.text


async def test_a_failing_login_failed_receiver_propagates() -> None:
    set_backends(MemoryBackend(ADA))
    with (
        user_login_failed.connected_to(_raise),
        pytest.raises(LookupError, match="audit log is full"),
    ):
        await authenticate(make_request(), name="ada", password="0")


# -- login --------------------------------------------------------------------


async def test_login_replaces_the_session_and_sends_user_logged_in() -> None:
    set_backends(MemoryBackend(ADA))
    request = make_request({"planted": "by someone else", USER_ID_SESSION_KEY: "2"})
    user = await authenticate(request, name="ada", password="1234")
    with capture(user_logged_in) as sent:
        await login(request, user)
    assert request.session == {
        USER_ID_SESSION_KEY: "1",
        BACKEND_SESSION_KEY: "tests.contrib.auth.helpers.MemoryBackend",
    }
    assert sent.senders == [Member]
    assert sent[0].kwargs == {"request": request, "user": ADA}
    assert await get_user(request) is ADA


async def test_login_without_session_middleware_changes_nothing() -> None:
    set_backends(MemoryBackend(ADA))
    with (
        capture(user_logged_in) as sent,
        pytest.raises(RuntimeError, match=r"login\(\) needs a session.*SessionMiddleware"),
    ):
        await login(make_request(session=None), ADA)
    assert len(sent) == 0


async def test_login_of_a_user_without_pk_changes_nothing() -> None:
    set_backends(MemoryBackend(ADA))
    request = make_request({"cart": "3 items"})
    with capture(user_logged_in) as sent, pytest.raises(ValueError, match="save the user first"):
        await login(request, Member(None, "unsaved"))
    with pytest.raises(ValueError, match="has none"):
        await login(request, object())
    assert request.session == {"cart": "3 items"}
    assert len(sent) == 0


async def test_a_failing_receiver_undoes_the_login() -> None:
    set_backends(MemoryBackend(ADA))
    request = make_request({"cart": "3 items"})
    with (
        user_logged_in.connected_to(_raise),
        pytest.raises(LookupError, match="audit log is full"),
    ):
        await login(request, ADA)
    assert request.session == {"cart": "3 items"}
    assert await get_user(request) is None


async def test_login_needs_a_backend_when_several_are_configured() -> None:
    set_backends(MemoryBackend(ADA), TokenBackend(BOB, "t"))
    request = make_request({})
    with pytest.raises(ValueError, match=r"2 backends are configured.*backend=\.\.\."):
        await login(request, Member(1, "ada"))
    with pytest.raises(ValueError, match=r"backend .*BrokenBackend is not configured"):
        await login(request, ADA, backend=BrokenBackend())
    assert request.session == {}
    await login(request, BOB, backend=get_backends()[1])
    assert await get_user(request) is BOB
    await login(request, await authenticate(request, name="ada", password="1234"))
    assert await get_user(request) is ADA


# -- get_user and logout ------------------------------------------------------


async def test_get_user_is_none_for_anonymous_or_unknown_sessions() -> None:
    set_backends(MemoryBackend(ADA))
    assert await get_user(make_request({})) is None
    gone = {USER_ID_SESSION_KEY: "1", BACKEND_SESSION_KEY: "myapp.RemovedBackend"}
    assert await get_user(make_request(gone)) is None
    deleted = {USER_ID_SESSION_KEY: "99", BACKEND_SESSION_KEY: backend_name(MemoryBackend())}
    assert await get_user(make_request(deleted)) is None


async def test_get_user_wraps_backend_errors() -> None:
    set_backends(BrokenBackend())
    session = {USER_ID_SESSION_KEY: "1", BACKEND_SESSION_KEY: backend_name(BrokenBackend())}
    with pytest.raises(BackendError, match=r"raised ConnectionError in get_user\(\)"):
        await get_user(make_request(session))


async def test_logout_sends_the_user_and_clears_the_session() -> None:
    set_backends(MemoryBackend(ADA))
    request = make_request({})
    await login(request, ADA)
    with capture(user_logged_out) as sent:
        await logout(request)
    assert sent.senders == [Member]
    assert sent[0].kwargs == {"request": request, "user": ADA}
    assert request.session == {}


async def test_logout_of_nobody_sends_none() -> None:
    set_backends(MemoryBackend(ADA))
    request = make_request({"cart": "3 items"})
    with capture(user_logged_out) as sent:
        await logout(request)
    assert sent.senders == [None]
    assert sent[0].kwargs == {"request": request, "user": None}
    assert request.session == {}


async def test_logout_clears_the_session_even_when_a_receiver_or_backend_fails() -> None:
    set_backends(MemoryBackend(ADA))
    request = make_request({})
    await login(request, ADA)
    with user_logged_out.connected_to(_raise), pytest.raises(LookupError):
        await logout(request)
    assert request.session == {}

    set_backends(BrokenBackend())
    session = {USER_ID_SESSION_KEY: "1", BACKEND_SESSION_KEY: backend_name(BrokenBackend())}
    request = make_request(session)
    with pytest.raises(BackendError):
        await logout(request)
    assert request.session == {}


async def test_the_request_must_be_a_starlette_one() -> None:
    with pytest.raises(TypeError, match=r"login\(\) takes the current Starlette Request"):
        await login(None, ADA)  # type: ignore[arg-type]


async def test_logout_without_session_middleware() -> None:
    with pytest.raises(RuntimeError, match=r"logout\(\) needs a session"):
        await logout(make_request(session=None))
    with pytest.raises(RuntimeError, match=r"get_user\(\) needs a session"):
        await get_user(make_request(session=None))


@dataclass(frozen=True)
class Badge:
    """A user object that cannot take new attributes."""

    pk: int


class BadgeBackend:
    async def authenticate(self, request: HTTPConnection | None, *, badge: str) -> Badge | None:
        return Badge(7) if badge == "ok" else None

    async def get_user(self, user_id: str) -> Badge | None:
        return Badge(7) if user_id == "7" else None


async def test_users_that_cannot_remember_their_backend_need_backend_argument() -> None:
    badges = BadgeBackend()
    set_backends(MemoryBackend(ADA), badges)
    user = await authenticate(None, badge="ok")
    request = make_request({})
    with pytest.raises(ValueError, match="2 backends are configured"):
        await login(request, user)
    await login(request, user, backend=badges)
    assert await get_user(request) == Badge(7)
