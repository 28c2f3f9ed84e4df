"""Model signals for Tortoise ORM, with Django's semantics.

::

    from tortoise import Tortoise, fields
    from fastdjango.contrib.tortoise import Model, install
    from fastdjango.core.signals import post_save

    class Post(Model):
        id = fields.IntField(primary_key=True)
        title = fields.CharField(max_length=200)

    await Tortoise.init(db_url="sqlite://db.sqlite3", modules={"models": ["myapp.models"]})
    install()

    @post_save.connect(sender="models.Post")
    async def on_post_saved(sender, instance, created, **kwargs): ...

    await Post.objects.create(title="Hello")      # pre_save, post_save(created=True)

``save()``, ``create()``, ``delete()``, ``get_or_create()`` and
``update_or_create()`` send ``pre_save`` / ``post_save`` / ``pre_delete`` /
``post_delete`` (objects a delete cascades to included); many-to-many
``add`` / ``remove`` / ``clear`` send ``m2m_changed``; ``on_commit=True``
receivers wait for the surrounding ``in_transaction()`` block to commit, and
``on_commit(fn)`` does the same for any function, as Django's
``transaction.on_commit(fn)``.
``bulk_create``, ``bulk_update``, ``QuerySet.update`` and ``QuerySet.delete``
send nothing, as in Django.
"""

try:
    import tortoise  # noqa: F401
except ImportError:
    raise ImportError(
        "fastdjango.contrib.tortoise needs Tortoise ORM: pip install 'fastdjango[tortoise]'"
    ) from None

from ._cascades import cascade_signals
from ._fixtures import loaddata
from ._install import install
from ._models import Manager, Model
from ._through import Through
from ._transactions import on_commit

__all__ = ["Manager", "Model", "Through", "cascade_signals", "install", "loaddata", "on_commit"]
