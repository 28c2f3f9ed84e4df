"""Importing the user's modules before a command inspects the process."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Iterable

__all__ = ["import_modules"]


def import_modules(names: Iterable[str]) -> str | None:
    """Import each module; return None, or a message saying which one failed and why.

    The current directory is put on ``sys.path`` first (``python -m`` does so
    too, an installed console script does not), so ``--import myapp.signals``
    works from the project root either way.
    """
    cwd = os.getcwd()
    if "" not in sys.path and cwd not in sys.path:
        sys.path.insert(0, cwd)
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            return _explain(name, exc)
    return None


def _explain(name: str, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"
    missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
    if missing is not None and (name == missing or name.startswith(f"{missing}.")):
        return (
            f"Cannot import {name!r} ({error}). Check the module name, and run from the "
            f"directory that holds its top-level package (or add that directory to "
            f"PYTHONPATH)."
        )
    return f"Cannot import {name!r}: {error}{_where(exc)}. Fix that error and run again."


def _where(exc: Exception) -> str:
    if isinstance(exc, SyntaxError) and exc.filename:
        return f" (at {exc.filename}:{exc.lineno})"
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith("<frozen ")  # the import machinery
    ]
    # The innermost frame of the user's code is the line to fix: an error
    # fastdjango raises (a receiver without **kwargs refused by connect) is
    # about the user's call, not about the library line that raised it.
    chosen = [frame for frame in frames if not _in_library(frame.filename)] or frames
    if not chosen:
        return ""
    return f" (at {chosen[-1].filename}:{chosen[-1].lineno})"


def _in_library(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_LIBRARY)


_LIBRARY = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
