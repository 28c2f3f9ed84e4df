"""Model signals for SQLAlchemy 2 (and SQLModel), with Django's semantics.

::

    from sqlalchemy.orm import DeclarativeBase
    from fastdjango.contrib.sqlalchemy import install
    from fastdjango.core.signals import post_save

    class Base(DeclarativeBase): ...

    install(Base)                      # or install(SQLModel)

    @post_save.connect(sender=Post)
    async def on_post_saved(sender, instance, created, update_fields, **kwargs): ...

    async with AsyncSession(engine) as session:
        session.add(Post(title="Hello"))
        await session.commit()         # pre_save, post_save(created=True)

Flushes of ``Session`` and ``AsyncSession`` send ``pre_save`` /
``post_save`` / ``pre_delete`` / ``post_delete`` (objects a delete cascades
to included, with ``origin``) and ``m2m_changed`` for ``secondary``
relationships; ``on_commit=True`` receivers wait for the session's commit.
With :func:`configure_outbox`, durable receivers' events are written in the
session's transaction.
ORM bulk statements and Core statements (``session.execute(update(...))``,
``insert().values(...)``) send nothing: no mapper event sees them.
"""

try:
    import sqlalchemy  # noqa: F401
except ImportError:
    raise ImportError(
        "fastdjango.contrib.sqlalchemy needs SQLAlchemy 2: pip install 'fastdjango[sqlalchemy]'"
    ) from None

from ._bridge import ReentrantFlushError
from ._fixtures import loaddata
from ._install import install
from ._outbox import SQLAlchemyOutbox, configure_outbox, create_outbox_table
from ._testing import capture_on_commit_callbacks

__all__ = [
    "ReentrantFlushError",
    "SQLAlchemyOutbox",
    "capture_on_commit_callbacks",
    "configure_outbox",
    "create_outbox_table",
    "install",
    "loaddata",
]
