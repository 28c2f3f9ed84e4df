"""The README's dispatcher examples run, in order, with stand-in senders."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from fastdjango.core.signals import Signal, post_delete, post_save

from .seed_support import Order, User

README = Path(__file__).parents[3] / "README.md"


def dispatcher_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("## The dispatcher (`fastdjango.core.signals`)")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else None]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.mark.usefixtures("isolate_builtins")
async def test_readme_dispatcher_examples_run() -> None:
    examples = dispatcher_examples()
    assert len(examples) >= 8
    namespace: dict[str, Any] = {
        "Order": Order,
        "User": User,
        "order": SimpleNamespace(id=1),
        "user": User(username="ada"),
        "order_cancelled": Signal(["order"]),
        "post_save": post_save,
        "post_delete": post_delete,
    }
    for source in examples:
        code = compile(source, str(README), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        if "send_sync" in source:  # synchronous code: no running loop in a worker thread
            await asyncio.to_thread(eval, code, namespace)
            continue
        result = eval(code, namespace)
        if result is not None:
            await result
    order_placed: Signal = namespace["order_placed"]
    assert order_placed.providing_args == ("order", "user")
    assert namespace["sent"][0].kwargs["order"] is namespace["order"]
