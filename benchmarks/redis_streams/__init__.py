"""Delivery through Redis: fastdjango's RedisStreams against a hand-written
redis-py floor, Celery (Redis broker, ``acks_late=True``) and taskiq
(taskiq-redis' stream broker), with no-op receivers / tasks.

Run it with ``python -m benchmarks.redis_streams`` (or ``python -m benchmarks
--redis``). Each peer's worker is a process of its own, started and stopped
by pid; this process publishes. Modules:

- ``record``: what every worker calls per item; writes its timings to a file.
- ``workers``: starting a worker process, waiting for it, stopping it.
- ``floor``, ``ours``, ``celery_peer``, ``taskiq_peer``: one peer each, the
  publishing side and the worker side.
- ``run``: throughput of a backlog, latency at a steady rate, the report.
"""
