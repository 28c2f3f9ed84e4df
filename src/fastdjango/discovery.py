"""Import the modules that connect receivers: the ``AppConfig.ready()`` step.

A receiver only fires once the module that connects it has been imported.
Django imports each app's ``signals`` module from ``AppConfig.ready()``;
here one call at start-up does it::

    from fastdjango import autodiscover

    autodiscover("myapp", "billing")  # imports myapp.signals, billing.signals

Errors: a package that cannot be found raises ``ModuleNotFoundError`` naming
it; a ``signals`` module that exists but fails to import raises
``ImportError`` naming that module (the original error is chained); any other
exception raised while a module runs propagates unchanged.
"""

from __future__ import annotations

import importlib

__all__ = ["autodiscover"]

SUBMODULE = "signals"


def autodiscover(*packages: str) -> list[str]:
    """Import the ``signals`` submodule of each package, in the order given.

    A package without a ``signals`` module is skipped: not every app has
    receivers. Importing a module twice is harmless, so calling this more
    than once is too.

    Args:
        packages: dotted names of packages (``"myapp"``, ``"shop.billing"``).

    Returns:
        The names of the ``signals`` modules found and imported, such as
        ``["myapp.signals"]``.

    Raises:
        TypeError: a package name is not a string.
        ModuleNotFoundError: a package does not exist.
        ValueError: a name is a plain module, not a package.
        ImportError: a package or its ``signals`` module exists but raised
            ``ImportError`` while being imported; the message names the module.
    """
    for package in packages:
        if not isinstance(package, str) or not package:
            raise TypeError(f"autodiscover() takes package names (strings), got {package!r}.")
    import importlib.util  # here, so that ``import fastdjango`` stays cheap

    imported: list[str] = []
    for package in packages:
        _require_package(package)
        name = f"{package}.{SUBMODULE}"
        # find_spec only looks for the file: a signals module that exists but
        # fails to import is an error, never mistaken for a missing one.
        if importlib.util.find_spec(name) is None:
            continue
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise _failed(f"{name!r} exists but failed to import", name, exc) from exc
        imported.append(name)
    return imported


def _require_package(package: str) -> None:
    try:
        module = importlib.import_module(package)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if package != missing and not package.startswith(f"{missing}."):
            raise _failed(f"the package {package!r} failed to import", package, exc) from exc
        raise ModuleNotFoundError(
            f"autodiscover() cannot find the package {package!r} ({exc}). Check the "
            f"name, and that the directory holding it is on sys.path (run from the "
            f"project root or set PYTHONPATH).",
            name=package,
        ) from None
    except ImportError as exc:
        raise _failed(f"the package {package!r} failed to import", package, exc) from exc
    if not hasattr(module, "__path__"):
        raise ValueError(
            f"autodiscover() takes packages, but {package!r} is a plain module "
            f"({module.__file__}); pass the name of the package that holds the "
            f"'{SUBMODULE}' module."
        )


def _failed(what: str, name: str, exc: ImportError) -> ImportError:
    return ImportError(
        f"autodiscover(): {what}: {type(exc).__name__}: {exc}. Fix the import in "
        f"{name!r} (the traceback above shows where it failed).",
        name=name,
    )
