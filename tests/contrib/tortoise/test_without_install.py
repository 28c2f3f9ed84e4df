"""Subclasses of the base model need no install() for signals and on_commit."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, types
    from tortoise import Tortoise, fields
    from tortoise.transactions import in_transaction
    from fastdjango.contrib.tortoise import Model
    from fastdjango.core.signals import post_save

    class Item(Model):
        id = fields.IntField(primary_key=True)
        name = fields.CharField(max_length=10)

    module = types.ModuleType("standalone_models")
    module.__models__ = [Item]
    sys.modules["standalone_models"] = module
    events = []

    async def at_once(sender, instance, created, **kwargs):
        events.append(("saved", created))

    async def after_commit(sender, instance, **kwargs):
        events.append(("committed", await Item.all().count()))

    async def main():
        post_save.connect(at_once, sender=Item)
        post_save.connect(after_commit, sender=Item, on_commit=True)
        await Tortoise.init(db_url="sqlite://:memory:", modules={"models": ["standalone_models"]})
        await Tortoise.generate_schemas()
        async with in_transaction():
            await Item.create(name='x')
            events.append(("block end", None))
        await Tortoise.close_connections()
        print(events)

    asyncio.run(main())
    """
)


def test_base_model_subclasses_work_without_install() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == ("[('saved', True), ('block end', None), ('committed', 1)]"), (
        result.stderr
    )
