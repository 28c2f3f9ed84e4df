"""Validation of what the dispatcher is given, with errors that say the fix."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["check_identifiers", "check_options", "check_signal_arguments", "check_uid"]


def check_signal_arguments(
    providing_args: object, name: object, concurrent: object, use_caching: object
) -> tuple[str, ...]:
    """Refuse a bad ``Signal(...)`` argument; return the providing_args as a tuple."""
    if isinstance(providing_args, str):
        raise TypeError(
            f"providing_args must be a list of argument names, not the string "
            f"{providing_args!r}; write providing_args=[{providing_args!r}]."
        )
    if providing_args is not None and not isinstance(providing_args, Iterable):
        raise TypeError(
            f"providing_args must be a list of argument names, got {providing_args!r}; "
            f"write Signal(providing_args=['instance', ...]) or Signal() (a name is "
            f"name=...)."
        )
    for flag, value in (("concurrent", concurrent), ("use_caching", use_caching)):
        if value is not True and value is not False:
            raise TypeError(f"{flag} must be True or False, got {value!r}.")
    args = tuple(providing_args or ())
    for arg in args:
        if not isinstance(arg, str) or not arg.isidentifier():
            raise TypeError(f"providing_args must hold argument names, got {arg!r}.")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"A signal's name must be a string, got {name!r}.")
    return args


def check_options(
    *, weak: object, dispatch_uid: object, priority: object, on_commit: object
) -> None:
    if not isinstance(weak, bool):
        raise TypeError(f"weak must be True or False, got {weak!r}.")
    if not isinstance(on_commit, bool):
        raise TypeError(f"on_commit must be True or False, got {on_commit!r}.")
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise TypeError(f"priority must be an int (higher runs earlier), got {priority!r}.")
    check_uid(dispatch_uid)


def check_uid(dispatch_uid: object) -> None:
    if dispatch_uid is not None:
        try:
            hash(dispatch_uid)
        except TypeError:
            raise TypeError(
                f"dispatch_uid must be hashable (a string, say), got {dispatch_uid!r}."
            ) from None


def check_identifiers(method: str, receiver: object, dispatch_uid: object) -> None:
    """Refuse what cannot identify a connection, naming the method called."""
    if receiver is not None and not callable(receiver):
        raise TypeError(
            f"{method}() takes the receiver (a callable) or dispatch_uid=..., got {receiver!r}."
        )
    check_uid(dispatch_uid)
