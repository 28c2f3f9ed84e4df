"""Secrets never reach user_login_failed nor a log record in clear."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from starlette.requests import HTTPConnection

from fastdjango.contrib.auth import MASK, authenticate, get_backends, set_backends
from fastdjango.core.signals import user_login_failed
from fastdjango.core.signals.testing import capture
from tests.support.secrets import SECRET, assert_masked, mappings

from .helpers import make_request


class RejectAll:
    """Takes any credentials and knows nobody."""

    async def authenticate(self, request: HTTPConnection | None, **credentials: Any) -> None:
        return None

    async def get_user(self, user_id: str) -> None:
        return None


class Records(logging.Handler):
    """Every record of every logger, formatted with its arguments."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def _failed_login(credentials: dict[str, Any]) -> dict[str, Any]:
    previous = get_backends()
    set_backends(RejectAll())
    try:
        with capture(user_login_failed) as failed:
            assert await authenticate(make_request(), **credentials) is None
    finally:
        set_backends(*previous)
    [send] = failed
    return send.kwargs


async def test_pins_otps_and_header_pairs_are_masked(records: Records) -> None:
    kwargs = await _failed_login(
        {
            "username": "ada",
            "PIN": "1234",
            "Otp": "123456",
            "headers": [("authorization", "Bearer sk-live"), ("accept", "*/*")],
        }
    )
    expected = {
        "username": "ada",
        "PIN": MASK,
        "Otp": MASK,
        "headers": [("authorization", MASK), ("accept", "*/*")],
    }
    assert kwargs["credentials"] == expected
    assert f"Authentication failed for credentials {expected!r}" in records.messages


# ``records`` is deliberately shared by all examples: every record of every one is checked.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=mappings())
def test_no_secret_reaches_the_signal_or_a_log_record(
    records: Records, drawn: tuple[dict[str, Any], int]
) -> None:
    credentials, publics = drawn
    kwargs = asyncio.run(_failed_login(credentials))
    assert_masked(repr(kwargs["credentials"]), publics)
    assert_masked(records.messages[-1], publics)
    assert not any(SECRET in message for message in records.messages)
