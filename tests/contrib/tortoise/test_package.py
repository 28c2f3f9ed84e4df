"""The public names, and the message when Tortoise is not installed."""

from __future__ import annotations

import subprocess
import sys

import fastdjango.contrib.tortoise as package


def test_public_names() -> None:
    assert package.__all__ == [
        "Manager",
        "Model",
        "Through",
        "cascade_signals",
        "install",
        "loaddata",
        "on_commit",
    ]
    for name in package.__all__:
        assert getattr(package, name).__doc__


def test_missing_tortoise_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['tortoise'] = None\n"
        "try:\n"
        "    import fastdjango.contrib.tortoise\n"
        "except ImportError as exc:\n"
        "    print(exc, exc.__suppress_context__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert "pip install 'fastdjango[tortoise]'" in result.stdout
    assert result.stdout.strip().endswith("True")
