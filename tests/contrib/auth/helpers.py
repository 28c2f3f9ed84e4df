"""Small real parts for the tests: an in-memory backend and bare Starlette requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.middleware.sessions import Session
from starlette.requests import HTTPConnection, Request

from fastdjango.contrib.auth import PermissionDenied


@dataclass(eq=False)
class Member:
    """A user that is not a database model; ``pk`` None means "not saved"."""

    pk: int | None
    name: str


class MemoryBackend:
    """Users kept in a dict, all sharing one plain-text password (for tests only)."""

    def __init__(self, *members: Member, password: str = "1234") -> None:
        self.members = {m.name: m for m in members}
        self.password = password

    async def authenticate(
        self, request: HTTPConnection | None, *, name: str, password: str
    ) -> Member | None:
        member = self.members.get(name)
        return member if member is not None and password == self.password else None

    async def get_user(self, user_id: str) -> Member | None:
        return next((m for m in self.members.values() if str(m.pk) == user_id), None)


class TokenBackend:
    """Accepts one API token; raises PermissionDenied for a revoked one."""

    def __init__(self, user: Member, token: str, revoked: str = "revoked") -> None:
        self.user, self.token, self.revoked = user, token, revoked
        self.asked = 0

    async def authenticate(
        self, request: HTTPConnection | None, *, api_token: str
    ) -> Member | None:
        self.asked += 1
        if api_token == self.revoked:
            raise PermissionDenied
        return self.user if api_token == self.token else None

    async def get_user(self, user_id: str) -> Member | None:
        return self.user if str(self.user.pk) == user_id else None


class BrokenBackend:
    """A backend whose storage is down: both methods raise."""

    async def authenticate(self, request: HTTPConnection | None, **credentials: Any) -> Any:
        raise ConnectionError(f"database unreachable while checking {credentials}")

    async def get_user(self, user_id: str) -> Any:
        raise ConnectionError("database unreachable")


def make_request(session: dict[str, Any] | None = None) -> Request:
    """A request from 10.0.0.7 carrying ``session`` (no session middleware when None)."""
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": "/login",
        "headers": [],
        "client": ("10.0.0.7", 51000),
    }
    if session is not None:
        scope["session"] = Session(session)
    return Request(scope)
