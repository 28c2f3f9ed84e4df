"""The public names, and the message when OpenTelemetry is not installed."""

from __future__ import annotations

import subprocess
import sys

import fastdjango.contrib.otel as package


def test_public_names() -> None:
    assert package.__all__ == ["instrument", "uninstrument"]
    for name in package.__all__:
        assert getattr(package, name).__doc__


def test_missing_opentelemetry_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['opentelemetry'] = None\n"
        "try:\n"
        "    import fastdjango.contrib.otel\n"
        "except ImportError as exc:\n"
        "    print(exc, exc.__suppress_context__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert "pip install 'fastdjango[otel]'" in result.stdout
    assert result.stdout.strip().endswith("True")
