"""The public names of fastdjango.durable, and that it imports no third-party package."""

from __future__ import annotations

import subprocess
import sys

import fastdjango.durable as durable


def test_public_names() -> None:
    assert durable.__all__ == [
        "DatabaseTransport",
        "Delivery",
        "Durable",
        "Enqueued",
        "InlineTransport",
        "configure",
    ]
    for name in durable.__all__:
        assert getattr(durable, name).__doc__


def test_imports_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import fastdjango.durable._worker, fastdjango.durable._relay\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(sorted(new - set(sys.stdlib_module_names) - {'fastdjango'}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]"
