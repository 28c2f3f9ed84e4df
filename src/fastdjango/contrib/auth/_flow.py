"""authenticate(), login(), logout() and get_user(): the login flow and its signals."""

from __future__ import annotations

import inspect
import logging
from typing import Any

from starlette.authentication import UnauthenticatedUser
from starlette.requests import HTTPConnection

from fastdjango.core.signals import user_logged_in, user_logged_out, user_login_failed
from fastdjango.masking import mask_mapping

from ._backends import (
    AuthBackend,
    BackendError,
    PermissionDenied,
    backend_name,
    configured_backends,
    find_backend,
)

__all__ = [
    "BACKEND_SESSION_KEY",
    "SENDER",
    "USER_ID_SESSION_KEY",
    "authenticate",
    "get_user",
    "login",
    "logout",
]

logger = logging.getLogger("fastdjango.auth")

#: The sender of ``user_login_failed``: the auth package's name, as in Django.
SENDER = "fastdjango.contrib.auth"
#: Session key holding the logged-in user's primary key, as a string.
USER_ID_SESSION_KEY = "_auth_user_id"
#: Session key holding the dotted path of the backend that logged the user in.
BACKEND_SESSION_KEY = "_auth_user_backend"


async def authenticate(request: HTTPConnection | None = None, **credentials: Any) -> Any:
    """Return the user the credentials identify, or None after ``user_login_failed``.

    Each configured backend whose ``authenticate`` accepts these credential
    names is asked in turn; the first user returned wins and remembers its
    backend for :func:`login`. When none answers (or one raises
    :class:`PermissionDenied`), ``user_login_failed`` is sent with
    ``sender=SENDER``, ``credentials`` masked by :func:`fastdjango.masking.mask_mapping`
    and ``request``, then None is returned. ``request`` may be None outside
    a request.

    Receivers run as with ``send()``, as in Django: a receiver that raises
    propagates to the caller.

    Raises:
        RuntimeError: no backend is configured.
        BackendError: a backend raised; its exception is the ``__cause__``.
    """
    for backend in configured_backends():
        if not _accepts(backend, request, credentials):
            continue
        try:
            user = await backend.authenticate(request, **credentials)
        except PermissionDenied:
            break
        except Exception as exc:
            raise _backend_failed(backend, "authenticate", exc) from exc
        if user is not None:
            _remember_backend(user, backend)
            return user
    masked = mask_mapping(credentials)
    logger.debug("Authentication failed for credentials %r", masked)
    await user_login_failed.send(sender=SENDER, credentials=masked, request=request)
    return None


async def login(request: HTTPConnection, user: Any, backend: AuthBackend | None = None) -> None:
    """Log ``user`` in: rotate the session, store the user in it, send ``user_logged_in``.

    The session is cleared first, so nothing stored before the login (by an
    attacker who planted a cookie, or by another user) survives it; then the
    user's primary key and backend are stored. With Starlette's
    signed-cookie sessions the data lives in the cookie itself: the client
    gets a newly signed cookie, and a cookie issued before the login never
    carries the login. ``user_logged_in`` is then sent with
    ``sender=type(user)``, ``request`` and ``user``. As Django's ``login()``
    does, ``request.user`` (``scope["user"]``) is the user from then on, for
    the rest of this request and for the signal's receivers. If a receiver
    raises, the session and ``request.user`` are put back as they were and
    the exception propagates, so a failed login leaves no half-logged-in
    session.

    Args:
        request: the current request (Starlette ``Request`` or ``WebSocket``).
        user: a saved user (with a ``pk``), usually from :func:`authenticate`.
        backend: the backend that authenticated ``user``; needed only when
            the user did not come from :func:`authenticate` and several
            backends are configured.

    Raises:
        RuntimeError: the app has no ``SessionMiddleware``, or no backend
            is configured.
        ValueError: the user has no primary key, or the backend is unknown.
    """
    session = _session(request, "login")
    user_id = _user_id(user)
    name = backend_name(_login_backend(user, backend))
    before = dict(session)
    user_before = request.scope.get("user", _NOBODY)
    session.clear()
    session[USER_ID_SESSION_KEY] = user_id
    session[BACKEND_SESSION_KEY] = name
    request.scope["user"] = user
    try:
        await user_logged_in.send(sender=type(user), request=request, user=user)
    except BaseException:
        session.clear()
        session.update(before)
        if user_before is _NOBODY:
            del request.scope["user"]
        else:
            request.scope["user"] = user_before
        raise


async def logout(request: HTTPConnection) -> None:
    """Send ``user_logged_out`` and clear the session.

    The signal's ``sender`` is the user's class and ``user`` the user, or
    both None when nobody was logged in; receivers still see the user as
    ``request.user`` when :func:`login` set it in this request. Then the
    session is cleared and ``request.user`` becomes Starlette's
    ``UnauthenticatedUser`` (Django's ``AnonymousUser``: its
    ``is_authenticated`` is False), also when the backend or a receiver
    raises (the exception then propagates). With
    signed-cookie sessions clearing tells the browser to drop its cookie; a
    copy of the cookie taken earlier stays valid until it expires, since
    there is no server-side session to delete.

    Raises:
        RuntimeError: the app has no ``SessionMiddleware``.
    """
    session = _session(request, "logout")
    try:
        user = await get_user(request)
        sender = None if user is None else type(user)
        await user_logged_out.send(sender=sender, request=request, user=user)
    finally:
        session.clear()
        request.scope["user"] = UnauthenticatedUser()


async def get_user(request: HTTPConnection) -> Any:
    """The logged-in user of this request's session, or None.

    The user is loaded by the backend that logged them in; None when nobody
    is logged in, that backend is no longer configured, or it no longer
    finds the user.

    Raises:
        RuntimeError: the app has no ``SessionMiddleware``.
        BackendError: the backend raised; its exception is the ``__cause__``.
    """
    session = _session(request, "get_user")
    user_id = session.get(USER_ID_SESSION_KEY)
    backend = find_backend(session.get(BACKEND_SESSION_KEY))
    if user_id is None or backend is None:
        return None
    try:
        return await backend.get_user(str(user_id))
    except Exception as exc:
        raise _backend_failed(backend, "get_user", exc) from exc


def _session(request: HTTPConnection, caller: str) -> dict[str, Any]:
    if not isinstance(request, HTTPConnection):
        raise TypeError(
            f"{caller}() takes the current Starlette Request (or WebSocket), got {request!r}."
        )
    if "session" not in request.scope:
        raise RuntimeError(
            f"{caller}() needs a session, and this request has none; add Starlette's "
            "session middleware: app.add_middleware(SessionMiddleware, secret_key=...)."
        )
    return request.session


def _user_id(user: Any) -> str:
    pk = getattr(user, "pk", None)
    if pk is None:
        raise ValueError(
            f"login() needs a user with a primary key, but {user!r} has none; "
            "save the user first, or give its class a `pk` attribute."
        )
    return str(pk)


def _login_backend(user: Any, given: AuthBackend | None) -> AuthBackend:
    backends = configured_backends()
    if given is not None:
        name = backend_name(given)
    elif (remembered := getattr(user, _BACKEND_ATTR, None)) is not None:
        name = remembered
    elif len(backends) == 1:
        return backends[0]
    else:
        raise ValueError(
            f"{len(backends)} backends are configured and {user!r} did not come from "
            "authenticate(); say which one logs it in: login(request, user, backend=...)."
        )
    backend = find_backend(name)
    if backend is None:
        raise ValueError(
            f"The backend {name} is not configured, so the session could not load the "
            "user again; add it with set_backends(...)."
        )
    return backend


# What login() finds in ``scope["user"]`` when no authentication middleware set one.
_NOBODY = object()

# authenticate() marks the user with its backend, like Django's ``user.backend``.
_BACKEND_ATTR = "_auth_backend"


def _remember_backend(user: Any, backend: AuthBackend) -> None:
    try:
        setattr(user, _BACKEND_ATTR, backend_name(backend))
    except AttributeError:  # a slotted or frozen user: login() then needs backend=
        pass


def _accepts(backend: AuthBackend, request: object, credentials: dict[str, Any]) -> bool:
    method = backend.authenticate
    # A bound method's signature hides ``self``, so a credential named "self"
    # would bind there and still fail the call: check the function itself.
    function, arguments = (
        (method.__func__, (method.__self__, request))
        if inspect.ismethod(method)
        else (method, (request,))
    )
    try:
        inspect.signature(function).bind(*arguments, **credentials)
    except TypeError:
        return False
    return True


def _backend_failed(backend: AuthBackend, method: str, exc: Exception) -> BackendError:
    # The credentials are deliberately left out of the message.
    return BackendError(
        f"The authentication backend {backend_name(backend)} raised "
        f"{type(exc).__name__} in {method}(); fix the backend (the original error is "
        "chained above). No user was logged in."
    )
