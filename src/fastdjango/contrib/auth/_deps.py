"""The ``auth`` extra's packages, checked before any other module imports them.

Importing this module raises ``ImportError`` naming the command that installs
what is missing, instead of a bare ``No module named 'argon2'`` from deep
inside the package.
"""

from __future__ import annotations

import importlib


def missing_extra(package: str, extra: str) -> ImportError:
    """The error for a missing optional ``package`` of the given extra(s)."""
    return ImportError(
        f"fastdjango.contrib.auth needs the {package!r} package, which is not installed; "
        f"install it with: pip install 'fastdjango[{extra}]'"
    )


def require(*packages: str, extra: str) -> None:
    """Import each package, or raise :func:`missing_extra`'s error for the first missing one."""
    for package in packages:
        try:
            importlib.import_module(package)
        except ImportError:
            raise missing_extra(package, extra) from None


require("starlette", "itsdangerous", "argon2", extra="auth")
