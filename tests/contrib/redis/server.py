"""A redis-server owned by one test: its own loopback port, data dir and pid.

Used where a test stops or restarts the server; everything else shares the
machine's Redis (with a key prefix of its own).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.server import free_port
from tests.support.services import services_required


def redis_server_binary() -> str:
    """The ``redis-server`` on PATH, or skip (fail in CI) without one."""
    found = shutil.which("redis-server")
    if found is None:
        reason = "redis-server is not on PATH"
        if services_required():
            pytest.fail(f"{reason}, and FASTDJANGO_REQUIRE_SERVICES=1 demands it.")
        pytest.skip(reason)
    return found


class OwnedRedis:
    """A redis-server process on 127.0.0.1 with append-only persistence.

    Arguments:
        directory: where its data (the append-only file) lives.
        port: the port; a free one when None. The same across restarts.
    """

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.binary = redis_server_binary()
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it accepts connections (10 s at most)."""
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--dir", str(self.directory),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
                "--daemonize", "no",
                "--protected-mode", "no",
                "--loglevel", "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server on port {self.port} did not start within 10 s")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop the server by its pid (SIGTERM: it finishes writing its file first)."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            os.kill(process.pid, sig)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def restart(self) -> None:
        """Stop the server and start it again on the same port and data."""
        self.stop()
        self.start()


@contextmanager
def owned_redis(directory: Path) -> Iterator[OwnedRedis]:
    """A started :class:`OwnedRedis`, stopped on exit whatever happened."""
    server = OwnedRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
