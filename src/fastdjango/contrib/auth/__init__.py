"""Log users in and out of Starlette / FastAPI apps, sending the user signals.

::

    from fastdjango.contrib.auth import authenticate, login, logout, set_backends
    from fastdjango.contrib.auth.tortoise import TortoiseBackend

    set_backends(TortoiseBackend(User))           # once, at start-up

    @app.post("/login")
    async def do_login(request: Request, form: LoginForm):
        user = await authenticate(request, username=form.username, password=form.password)
        if user is None:                          # user_login_failed was sent
            raise HTTPException(401)
        await login(request, user)                # user_logged_in
        return {"id": user.pk}

The app needs Starlette's ``SessionMiddleware``. Signals (sent with
``send()``: a receiver that raises propagates, as in Django):

=================  =========================  ==============================
signal             sender                     keyword arguments
=================  =========================  ==============================
user_logged_in     ``type(user)``             request, user
user_logged_out    ``type(user)`` or None     request, user (None if nobody)
user_login_failed  ``"fastdjango.contrib.auth"``  credentials (masked), request
=================  =========================  ==============================

Errors::

    ImportError          an optional dependency is missing: pip install 'fastdjango[auth]'
    RuntimeError         no SessionMiddleware, or no backend configured
    ├── BackendError     a backend raised (its exception is the __cause__)
    ValueError           login() of a user without a primary key, or an unknown backend
    TypeError            login() / logout() / get_user() given no Starlette request
    PermissionDenied     raised *by* a backend to refuse a login; authenticate() returns None
"""

from fastdjango.masking import MASK, add_secret_names
from fastdjango.masking import mask_mapping as mask_credentials

from . import _deps  # noqa: F401 - first: names the missing extra before anything fails
from ._backends import (
    AuthBackend,
    BackendError,
    PermissionDenied,
    backend_name,
    get_backends,
    set_backends,
)
from ._flow import (
    BACKEND_SESSION_KEY,
    SENDER,
    USER_ID_SESSION_KEY,
    authenticate,
    get_user,
    login,
    logout,
)
from ._last_login import UPDATE_LAST_LOGIN_UID, update_last_login
from ._passwords import DEFAULT_HASHER, check_password, make_password

__all__ = [
    "BACKEND_SESSION_KEY",
    "DEFAULT_HASHER",
    "MASK",
    "SENDER",
    "UPDATE_LAST_LOGIN_UID",
    "USER_ID_SESSION_KEY",
    "AuthBackend",
    "BackendError",
    "PermissionDenied",
    "add_secret_names",
    "authenticate",
    "backend_name",
    "check_password",
    "get_backends",
    "get_user",
    "login",
    "logout",
    "make_password",
    "mask_credentials",
    "set_backends",
    "update_last_login",
]
