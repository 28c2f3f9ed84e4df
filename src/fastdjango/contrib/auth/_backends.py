"""The backend protocol and the process-wide list of configured backends."""

from __future__ import annotations

import inspect
from typing import Any, Protocol, runtime_checkable

from starlette.requests import HTTPConnection

__all__ = [
    "AuthBackend",
    "BackendError",
    "PermissionDenied",
    "backend_name",
    "configured_backends",
    "find_backend",
    "get_backends",
    "set_backends",
]


@runtime_checkable
class AuthBackend(Protocol):
    """What ``authenticate()`` and ``get_user()`` ask for a user.

    Any object with these two async methods is a backend; no base class is
    needed. The session remembers a backend by its class's dotted path, so
    configure one instance per backend class.
    """

    async def authenticate(self, request: HTTPConnection | None, **credentials: Any) -> Any:
        """Return the user these credentials identify, or None.

        A backend whose signature does not accept the given credential names
        is skipped. Raise :class:`PermissionDenied` to refuse the login
        without asking the backends after this one.
        """

    async def get_user(self, user_id: str) -> Any:
        """Return the user whose primary key is ``user_id`` (as a string), or None."""


class PermissionDenied(Exception):
    """Raised by a backend to refuse a login outright.

    ``authenticate()`` stops asking backends, sends ``user_login_failed`` and
    returns None.
    """


class BackendError(RuntimeError):
    """A backend raised something other than :class:`PermissionDenied`.

    The backend's own exception is chained as ``__cause__``. No signal is
    sent: a broken backend is not a failed login.
    """


_backends: tuple[AuthBackend, ...] = ()


def backend_name(backend: object) -> str:
    """The name a session stores for ``backend``: its class's dotted path."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def set_backends(*backends: AuthBackend) -> tuple[AuthBackend, ...]:
    """Configure the backends ``authenticate()`` asks, in order; return the previous ones.

    The configuration is process-wide: call it once at start-up (or in a
    test fixture, restoring the returned tuple afterwards). ``set_backends()``
    with no argument removes them all.

    Raises:
        TypeError: an object lacks an async ``authenticate`` or ``get_user``.
        ValueError: two backends of the same class (a session could not tell
            them apart).
    """
    global _backends
    names: set[str] = set()
    for backend in backends:
        for method in ("authenticate", "get_user"):
            if not inspect.iscoroutinefunction(getattr(backend, method, None)):
                raise TypeError(
                    f"{backend!r} is not an authentication backend: it needs an "
                    f"`async def {method}(...)` method (see AuthBackend)."
                )
        name = backend_name(backend)
        if name in names:
            raise ValueError(
                f"Two backends of class {name} were given to set_backends(); a session "
                "could not tell them apart, so configure one instance per class."
            )
        names.add(name)
    previous, _backends = _backends, tuple(backends)
    return previous


def get_backends() -> tuple[AuthBackend, ...]:
    """The configured backends, in the order they are asked."""
    return _backends


def configured_backends() -> tuple[AuthBackend, ...]:
    """The configured backends; RuntimeError if there are none."""
    if not _backends:
        raise RuntimeError(
            "No authentication backend is configured; call "
            "fastdjango.contrib.auth.set_backends(...) at start-up, for example "
            "set_backends(TortoiseBackend(User))."
        )
    return _backends


def find_backend(name: object) -> AuthBackend | None:
    """The configured backend a session names, or None."""
    return next((b for b in _backends if backend_name(b) == name), None)
