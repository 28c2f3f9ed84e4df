"""The service gate: skip locally, fail in CI, when a service is down."""

from __future__ import annotations

import pytest

from .server import free_port
from .services import require


def test_a_missing_service_skips_with_its_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FASTDJANGO_REQUIRE_SERVICES", raising=False)
    port = free_port()
    with pytest.raises(pytest.skip.Exception, match=f"Thing is not reachable on 127.0.0.1:{port}"):
        require("Thing", "127.0.0.1", port)


def test_a_missing_service_fails_when_services_are_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTDJANGO_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="FASTDJANGO_REQUIRE_SERVICES=1 demands it"):
        require("Thing", "127.0.0.1", free_port())
