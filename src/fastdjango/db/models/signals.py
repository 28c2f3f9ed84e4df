"""The model signals under Django's import path.

``from fastdjango.db.models.signals import post_save, pre_delete`` gives the
same objects as ``fastdjango.core.signals``; an ORM integration
(``fastdjango.contrib.tortoise``) sends them.
"""

from fastdjango.core.signals.builtin import (
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_delete,
    pre_init,
    pre_save,
)

__all__ = [
    "m2m_changed",
    "post_delete",
    "post_init",
    "post_save",
    "pre_delete",
    "pre_init",
    "pre_save",
]
