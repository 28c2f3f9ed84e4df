"""How receivers and senders are named in logs and tools."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from fastdjango.core.signals._refs import SenderSpec, describe


def handler(sender: object, **kwargs: Any) -> None:
    """A module-level receiver."""


class Model:
    def on_save(self, sender: object, **kwargs: Any) -> None:
        """A method receiver."""


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (handler, f"{__name__}.handler"),
        (Model, f"{__name__}.Model"),
        (Model().on_save, f"{__name__}.Model.on_save of Model object"),
        (functools.partial(handler), f"functools.partial({__name__}.handler)"),
        ("models.Post", "'models.Post'"),
        (7, "7"),
        (b"key", "b'key'"),
        (None, "None"),
        (Model(), f"{__name__}.Model object"),
    ],
)
def test_describe(obj: object, expected: str) -> None:
    assert describe(obj) == expected


def test_sender_spec_descriptions() -> None:
    assert SenderSpec(None).description == "any sender"
    assert SenderSpec("models.Post").description == "'models.Post'"
    assert SenderSpec(Model).description == f"{__name__}.Model"
