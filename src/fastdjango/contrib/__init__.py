"""Integrations that send the built-in signals.

Each lives in its own module or package and needs its own extra:
``fastdjango.contrib.asgi`` (request signals, ``fastdjango[asgi]``),
``fastdjango.contrib.tortoise`` (model signals, ``fastdjango[tortoise]``) and
``fastdjango.contrib.auth`` (user signals, ``fastdjango[auth]``).
"""
