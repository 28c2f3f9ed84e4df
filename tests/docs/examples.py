"""Run the Python blocks of ``docs/**/*.md`` and ``README.md`` with Sybil.

Each Markdown file is one document: its blocks run in order, in one
namespace and one context, on one event loop (top-level ``await`` works, as
in an asyncio REPL). What a document connects to a signal that existed before it is
disconnected when it ends. Once a block fails or is skipped (a service that
is not there), the blocks after it are skipped with the reason.
See ``docs/CONTRIBUTING.md`` for how pages use this.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import gc
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sybil import Example, Sybil
from sybil.integration.pytest import SybilFile, pytest_integration
from sybil.parsers.markdown import CodeBlockParser, SkipParser

from fastdjango.core.signals import Signal, all_signals

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
#: Markdown files that are about writing pages: their blocks are samples of Markdown.
NOT_RUN = frozenset({DOCS / "CONTRIBUTING.md"})

_RUN = "__docs_run__"


class DocumentModule(ModuleType):
    """A module whose attributes are a document's namespace.

    Registered in ``sys.modules`` under the document's ``__name__`` while it
    runs, so what looks a module up by name (Tortoise's ``modules=``, a
    worker finding a receiver by ``module:qualname``) finds the page's code.
    """

    def __init__(self, name: str, namespace: dict[str, Any]) -> None:
        super().__init__(name)
        self._namespace = namespace

    def __getattr__(self, name: str) -> Any:
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return [name for name in self._namespace if not name.startswith("__")]


@dataclass
class DocumentRun:
    """What one document's blocks share: the loop, the context, what to undo at the end."""

    module: DocumentModule
    runner: asyncio.Runner = field(default_factory=asyncio.Runner)
    # Context variables one block sets (Tortoise's current context, a mute)
    # are seen by the next, whether it awaits or not.
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    connected_before: dict[Signal, set[Any]] = field(default_factory=dict)
    stop_reason: str | None = None


def module_name(path: Path) -> str:
    """``docs/guides/tortoise.md`` -> ``docs_guides_tortoise``; ``README.md`` -> ``docs_readme``."""
    relative = path.resolve().relative_to(ROOT).with_suffix("")
    parts = [part.replace("-", "_").lower() for part in relative.parts]
    if parts[0] != "docs":
        parts.insert(0, "docs")
    return "_".join(parts)


def setup_document(namespace: dict[str, Any]) -> None:
    name = namespace["__name__"]
    run = DocumentRun(DocumentModule(name, namespace))
    run.connected_before = {sig: set(sig.connections()) for sig in all_signals()}
    namespace[_RUN] = run
    sys.modules[name] = run.module


def teardown_document(namespace: dict[str, Any]) -> None:
    run: DocumentRun = namespace.pop(_RUN)
    try:
        # Signals the page made too: a receiver dropped with the namespace
        # while still connected would be reported as a dead receiver.
        for sig in all_signals():
            _disconnect_new(sig, run.connected_before.get(sig, set()))
        run.runner.close()
    finally:
        sys.modules.pop(run.module.__name__, None)
        namespace.clear()
        _forget_tortoise_statements()
        # Model classes and their labels go now, not in some later test.
        gc.collect()


def _forget_tortoise_statements() -> None:
    # Tortoise caches each model's SQL by (connection, schema, table): the
    # next page's `User` on the "default" connection must not get this
    # page's INSERT.
    executor = sys.modules.get("tortoise.backends.base.executor")
    if executor is not None:
        executor.EXECUTOR_CACHE.clear()


def _disconnect_new(sig: Signal, before: set[Any]) -> None:
    for conn in sig.connections(include_dead=True):
        if conn in before:
            continue
        sender = conn.sender.sender()
        if conn.dispatch_uid is not None:
            sig.disconnect(sender=sender, dispatch_uid=conn.dispatch_uid)
        elif (fn := conn.ref()) is not None:
            sig.disconnect(fn, sender=sender)


def evaluate(example: Example) -> None:
    """Run one block; ``await`` at top level runs on the document's loop."""
    __tracebackhide__ = True
    run: DocumentRun = example.namespace[_RUN]
    if run.stop_reason is not None:
        pytest.skip(run.stop_reason)
    # Pad so that tracebacks show the line numbers of the Markdown file.
    source = "\n" * (example.line + example.parsed.line_offset) + example.parsed
    try:
        code = compile(
            source,
            example.path,
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            dont_inherit=True,
        )
        result = run.context.run(eval, code, example.namespace)
        if inspect.iscoroutine(result):
            run.runner.run(result, context=run.context)
    except pytest.skip.Exception as skipped:
        run.stop_reason = str(skipped)
        raise
    except Exception:
        run.stop_reason = f"the block at line {example.line} failed"
        raise
    except BaseException as outcome:  # pytest.fail() (a required service is missing)
        run.stop_reason = f"the block at line {example.line} failed: {outcome}"
        raise
    finally:
        example.namespace.pop("__builtins__", None)


class DocumentSybil(Sybil):
    """Sybil, with the document's namespace named after its file."""

    def parse(self, path: Path) -> Any:
        document = super().parse(path)
        document.namespace["__name__"] = module_name(path)
        return document


SYBIL = DocumentSybil(
    parsers=[CodeBlockParser("python", evaluate), SkipParser()],
    patterns=["*.md"],
    path=str(ROOT),
    setup=setup_document,
    teardown=teardown_document,
)
_collect = pytest_integration(SYBIL)


def is_run(path: Path) -> bool:
    """Is this a Markdown file whose Python blocks the test suite runs?"""
    path = path.resolve()
    if path.suffix != ".md" or path in NOT_RUN:
        return False
    return path == README or DOCS in path.parents


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SybilFile | None:
    """The pytest hook (imported by the root ``conftest.py``)."""
    if not is_run(file_path):
        return None
    return _collect(file_path, parent)
