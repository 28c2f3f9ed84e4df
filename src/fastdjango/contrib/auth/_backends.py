"""The backend protocol and the process-wide list of configured backends."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

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


class AuthBackend(Protocol):
    """What ``authenticate()`` and ``get_user()`` ask for a user.

    Any object with these two async methods is a backend; no base class is
    needed::

        class ApiKeyBackend:
            async def authenticate(self, request, *, api_key): ...
            async def get_user(self, user_id): ...

    ``async authenticate(request, **credentials)`` returns the user the
    credentials identify, or None. It names the credentials it takes as
    keyword parameters: a backend whose signature does not accept the given
    credential names is skipped, so a token backend and a password backend
    can sit side by side. ``request`` is None when ``authenticate()`` was
    called without one. Raising :class:`PermissionDenied` refuses the login
    without asking the backends after this one.

    ``async get_user(user_id)`` returns the user whose primary key is
    ``user_id`` (given as a string, as stored in the session), or None.

    The session remembers a backend by its class's dotted path, so configure
    one instance per backend class.
    """

    # Read-only properties, so that any method signature satisfies the protocol.
    @property
    def authenticate(self) -> Callable[..., Awaitable[Any]]:
        """``async authenticate(request, **credentials)``: the user, or None."""

    @property
    def get_user(self) -> Callable[[str], Awaitable[Any]]:
        """``async get_user(user_id)``: the user with that primary key, or None."""


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
