"""The peer benchmark: fastdjango's dispatcher against Django, blinker,
psygnal, aiosignal and a hand-written floor.

Run it with ``python -m benchmarks`` (``--help`` for the options). Modules:

- ``receivers``: the receivers and senders every library uses.
- ``peers`` and ``peer_*``: one adapter per column of the table.
- ``scenarios``: what is measured (A0 ... M) and how each is set up.
- ``timing``: timeit-style loops, gc disabled, one event loop for async.
- ``memory``: tracemalloc bytes per connected receiver.
- ``runner``: interleaved rounds and medians.
- ``targets`` and ``report``: the targets of the issue, the table, JSON.
"""
