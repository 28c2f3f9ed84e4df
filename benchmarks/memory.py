"""Scenario M: bytes a signal allocates per connected receiver.

The receivers are distinct function objects created before tracing starts and
kept alive throughout, so only what the signal allocates is counted. A first
signal and a first receiver are connected before tracing starts, so one-time
allocations (a library's lazy internals, an empty registry) are not charged to
the receivers. The garbage collector is off while tracing.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

from .peers import Peer
from .receivers import Sender, copies, sync_receiver


def bytes_per_receiver(peer: Peer[Any], count: int) -> float:
    """Return the traced bytes per receiver after connecting ``count`` of them."""
    peer.check(("registry",))
    receivers = copies(sync_receiver, count + 1)
    warm_up = peer.new_signal()
    peer.connect(warm_up, receivers[-1], Sender)
    signal = peer.new_signal()
    peer.connect(signal, receivers[-1], Sender)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for receiver in receivers[:count]:
            peer.connect(signal, receiver, Sender)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        if enabled:
            gc.enable()
    del warm_up
    return (after - before) / count
