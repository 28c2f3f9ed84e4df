"""Every public name has its entry in the API reference (``docs/reference/``).

The public import paths are the public packages, and the public modules
their package does not import itself (``fastdjango.dispatch``,
``fastdjango.contrib.asgi``, ...): a module the package imports is an
implementation piece whose public names the package's ``__all__`` carries.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import fastdjango

from .examples import DOCS

REFERENCE = DOCS / "reference"
SRC = Path(fastdjango.__file__).parent
_DIRECTIVE = re.compile(r"^::: *([\w.]+) *$", re.MULTILINE)


def _is_public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def _imported_by_package(package: str) -> set[str]:
    """The submodules a package's ``__init__`` imports: ``from .x import ...``."""
    init = SRC.joinpath(*package.split(".")[1:], "__init__.py")
    tree = ast.parse(init.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is not None:
                imported.add(f"{package}.{node.module.split('.')[0]}")
            else:
                imported.update(f"{package}.{alias.name}" for alias in node.names)
    return imported


def import_paths() -> list[str]:
    """Every module a user imports public names from."""
    paths = ["fastdjango"]
    for info in pkgutil.walk_packages(fastdjango.__path__, "fastdjango."):
        if not _is_public(info.name):
            continue
        package = info.name.rpartition(".")[0]
        if info.ispkg or info.name not in _imported_by_package(package):
            paths.append(info.name)
    return paths


def documented() -> set[str]:
    """The identifiers that ``::: name`` lines in the reference render."""
    names: set[str] = set()
    for page in REFERENCE.glob("*.md"):
        names.update(_DIRECTIVE.findall(page.read_text(encoding="utf-8")))
    return names


def test_import_paths_are_found() -> None:
    paths = import_paths()
    assert {"fastdjango.core.signals", "fastdjango.dispatch", "fastdjango.contrib.asgi"} <= set(
        paths
    )
    assert "fastdjango.core.signals.builtin" not in paths  # carried by fastdjango.core.signals


def test_every_public_name_is_in_the_reference() -> None:
    have = documented()
    missing = [
        f"{path}.{name}"
        for path in import_paths()
        for name in getattr(importlib.import_module(path), "__all__", ())
        if f"{path}.{name}" not in have
    ]
    assert not missing, (
        f"these public names have no '::: name' line in docs/reference/*.md: {missing}; "
        "add one to the page of their module (see docs/CONTRIBUTING.md)."
    )


def test_the_reference_names_only_public_names() -> None:
    public = {
        f"{path}.{name}"
        for path in import_paths()
        for name in getattr(importlib.import_module(path), "__all__", ())
    }
    stray = sorted(documented() - public)
    assert not stray, (
        f"docs/reference/*.md renders {stray}, which no module's __all__ lists; "
        "document the public path of each name, or add it to the __all__ it belongs in."
    )
