from typing import Any

from fastdjango.core.signals import post_save, pre_save

from .models import Post


async def test_smoke(db: str) -> None:
    log: list[Any] = []

    async def rec(sender: Any, **kwargs: Any) -> None:
        log.append((sender, kwargs))

    with pre_save.connected_to(rec), post_save.connected_to(rec):
        p = await Post.objects.create(title="x")
        p.title = "y"
        await p.save(update_fields=["title"])
    assert len(log) == 4
    assert await Post.objects.all() == [p]
