"""``--serve``: the app stays up for a person, and each signal is echoed as it is sent."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from fastdjango.demo import DemoError, serve_demo


async def _started(lines: list[str]) -> str:
    for _ in range(1000):
        if lines and lines[-1] == "Signals, as they are sent:":
            return lines[0].split("serving ")[1].split(" ")[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"the demo did not start: {lines}")


async def test_serve_echoes_signals_until_cancelled(database_url: str | None) -> None:
    lines: list[str] = []
    task = asyncio.create_task(serve_demo(database_url, 0, lines.append))
    try:
        base_url = await _started(lines)
        assert base_url.startswith("http://127.0.0.1:")
        assert any(line.startswith("  DELETE ") and "/posts/{id}" in line for line in lines)
        async with httpx.AsyncClient(base_url=base_url) as http:
            user = {"username": "bob", "email": "bob@example.com", "password": "pw"}
            assert (await http.post("/users", json=user)).status_code == 201
            audit = (await http.get("/audit")).json()
            assert (await http.get("/")).json()["endpoints"][0] == "POST /users"
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [(row["model"], row["action"]) for row in audit] == [
        ("User", "create"),
        ("Profile", "create"),
    ]
    assert "      -> send_welcome_email: mailed 'Welcome!' to bob@example.com" in lines
    assert any(line.startswith("  post_save          sender=User  ") for line in lines)


async def test_a_taken_port_is_explained() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DemoError, match=rf"cannot serve on 127.0.0.1:{port} .*another --port"):
            await serve_demo(None, port, lambda line: None)
