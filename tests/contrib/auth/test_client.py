"""The login flow through Starlette's test client, with an in-memory backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from fastdjango.contrib.auth import (
    BACKEND_SESSION_KEY,
    MASK,
    SENDER,
    USER_ID_SESSION_KEY,
    set_backends,
)
from fastdjango.core.signals import user_logged_in, user_logged_out, user_login_failed
from fastdjango.core.signals.testing import capture

from .app import make_app
from .helpers import Member, MemoryBackend

ADA = Member(1, "ada")
BOB = Member(2, "bob")
ADA_LOGIN = {"name": "ada", "password": "1234"}


@pytest.fixture
def client(restore_backends: None) -> Iterator[TestClient]:
    set_backends(MemoryBackend(ADA, BOB))
    with TestClient(make_app()) as client:
        yield client


def test_login_then_protected_route(client: TestClient) -> None:
    assert client.get("/me").status_code == 401
    with capture(user_logged_in) as sent:
        response = client.post("/login", json=ADA_LOGIN)
    assert response.json() == {"id": 1}
    assert "session" in response.cookies
    assert client.get("/me").json() == {"id": 1}
    assert sent.senders == [Member]
    assert sent[0].kwargs["user"] is ADA
    assert sent[0].kwargs["request"].client.host == "testclient"


@pytest.mark.parametrize(
    "credentials",
    [{"name": "ada", "password": "wrong"}, {"name": "nobody", "password": "1234"}],
)
def test_failed_login_sends_masked_credentials(
    client: TestClient, credentials: dict[str, str]
) -> None:
    with capture(user_login_failed) as failed:
        response = client.post("/login", json=credentials)
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert failed.senders == [SENDER]
    assert failed[0].kwargs["credentials"] == {"name": credentials["name"], "password": MASK}
    assert client.get("/me").status_code == 401


def test_logout(client: TestClient) -> None:
    client.post("/login", json=ADA_LOGIN)
    with capture(user_logged_out) as sent:
        response = client.post("/logout")
    assert response.json() == {"logged_out": True}
    assert "session=null" in response.headers["set-cookie"]
    assert sent.senders == [Member]
    assert sent[0].kwargs["user"] is ADA
    assert client.get("/me").status_code == 401
    with capture(user_logged_out) as again:
        client.post("/logout")
    assert again.senders == [None]
    assert again[0].kwargs["user"] is None


def test_login_rotates_the_session(client: TestClient) -> None:
    planted = client.post("/session", json={"planted": "by an attacker"}).cookies["session"]
    after_login = client.post("/login", json=ADA_LOGIN).cookies["session"]
    assert after_login != planted
    assert client.get("/session").json() == {
        USER_ID_SESSION_KEY: "1",
        BACKEND_SESSION_KEY: "tests.contrib.auth.helpers.MemoryBackend",
    }
    client.cookies.clear()
    client.cookies["session"] = planted
    assert client.get("/me").status_code == 401  # the pre-login cookie never logs in


def test_logging_in_as_someone_else_drops_the_first_session(client: TestClient) -> None:
    client.post("/login", json=ADA_LOGIN)
    client.post("/session", json={"ada_draft": "private"})
    client.post("/login", json={"name": "bob", "password": "1234"})
    assert client.get("/me").json() == {"id": 2}
    assert "ada_draft" not in client.get("/session").json()


def test_a_copied_cookie_outlives_logout(client: TestClient) -> None:
    # Documented limit of signed-cookie sessions: logout cannot revoke a copy.
    copy = client.post("/login", json=ADA_LOGIN).cookies["session"]
    client.post("/logout")
    client.cookies["session"] = copy
    assert client.get("/me").json() == {"id": 1}


def test_a_failing_login_receiver_leaves_the_client_logged_out(client: TestClient) -> None:
    def refuse(**kwargs: Any) -> None:
        raise LookupError("audit log is full")

    client.post("/session", json={"cart": "3 items"})
    with user_logged_in.connected_to(refuse), pytest.raises(LookupError, match="audit log"):
        client.post("/login", json=ADA_LOGIN)
    assert client.get("/me").status_code == 401
    assert client.get("/session").json() == {"cart": "3 items"}


def test_missing_session_middleware_is_a_clear_error(restore_backends: None) -> None:
    set_backends(MemoryBackend(ADA))
    with (
        TestClient(make_app(sessions=False)) as client,
        pytest.raises(RuntimeError, match=r"add Starlette's session middleware"),
    ):
        client.post("/login", json=ADA_LOGIN)
