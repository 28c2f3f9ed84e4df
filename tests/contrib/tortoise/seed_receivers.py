"""Seed 003's receivers module: imported before ``Tortoise.init``, as ``autodiscover`` does."""

from __future__ import annotations

from typing import Any

from fastdjango.core.signals import m2m_changed

from .models import Post

#: Every ``pk_set`` of a ``post_add`` on ``Post.tags``, in order.
added: list[set[Any]] = []


@m2m_changed.connect(sender=Post.tags.through)  # type: ignore[attr-defined]
async def on_tags_changed(  # type: ignore[no-untyped-def]
    sender,
    instance,
    action,
    reverse,
    model,
    pk_set,
    using=None,
    **kwargs,
):
    if action == "post_add":
        added.append(pk_set)
