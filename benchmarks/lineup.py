"""The columns of the table, in order."""

from __future__ import annotations

from typing import Any

from .peers import Peer

# The libraries the ``bench`` extra installs.
_EXTRA = frozenset({"django", "blinker", "psygnal", "aiosignal"})


def lineup() -> list[Peer[Any]]:
    """Return every peer; the libraries come from the ``bench`` extra."""
    try:
        from .peer_blinker import blinker_peers
        from .peer_django import django_peers
        from .peer_fastdjango import FastDjango, FastDjangoCaptured
        from .peer_floor import EmptyCall, Floor
        from .peer_others import AioSignalPeer, Psygnal
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] not in _EXTRA:
            raise
        raise ImportError(
            f"The benchmark needs {error.name!r}: install the peers with "
            "pip install -e '.[bench]' (or run make bench)."
        ) from None
    return [
        FastDjango(),
        FastDjangoCaptured(),
        *django_peers(),
        *blinker_peers(),
        Psygnal(),
        AioSignalPeer(),
        Floor(),
        EmptyCall(),
    ]
