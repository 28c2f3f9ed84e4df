"""One round trip to Redis that survives a server's empty script cache.

Scripts are called by their SHA1 (``EVALSHA``). A server that restarted, or
ran ``SCRIPT FLUSH``, has none of them and answers ``NOSCRIPT`` — also in
the middle of a pipeline, whose other commands still ran (a pipeline is not
a transaction). So a :class:`RoundTrip` sends again only the script calls
that failed that way, once the scripts are loaded, in their order: every
command of the round trip takes effect once. :meth:`ScriptCache.call` does
the same for one script called on its own, the cheaper common case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from redis.exceptions import NoScriptError

from ._scripts import Script, load_scripts

__all__ = ["RoundTrip", "ScriptCache"]

#: Loads and resends in one round trip before a missing script is an error.
_RELOADS: Final = 3

Call = tuple[Script, Sequence[str], Sequence[str | int | bytes]]


class ScriptCache:
    """Whether the server is known to hold the scripts, for one client.

    Arguments:
        redis: the redis-py asyncio client.
    """

    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self.loaded = False

    async def ensure(self) -> None:
        """Load the scripts unless this client already did."""
        if not self.loaded:
            await load_scripts(self.redis)
            self.loaded = True

    async def reload(self) -> None:
        """Load the scripts again (the server lost them)."""
        self.loaded = False
        await self.ensure()

    def forget(self) -> None:
        """The server may have lost the scripts: load them before the next call."""
        self.loaded = False

    def round_trip(self) -> RoundTrip:
        """A new, empty :class:`RoundTrip` on this client."""
        return RoundTrip(self)

    async def call(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int | bytes] = ()
    ) -> Any:
        """Run one script on its own (no pipeline to build); its reply.

        Loads the scripts and calls again when the server lost them.

        Raises:
            NoScriptError: the script stayed missing after three loads.
        """
        await self.ensure()
        for _ in range(_RELOADS):
            try:
                return await self.redis.evalsha(script.sha, len(keys), *keys, *args)
            except NoScriptError:
                await self.reload()
        try:
            return await self.redis.evalsha(script.sha, len(keys), *keys, *args)
        except NoScriptError:
            self.forget()
            raise


class RoundTrip:
    """A non-transactional pipeline whose script calls survive ``NOSCRIPT``.

    Plain commands are queued on :attr:`pipe`; scripts with :meth:`script`.
    """

    def __init__(self, cache: ScriptCache) -> None:
        self.cache = cache
        self.pipe: Any = cache.redis.pipeline(transaction=False)
        self._scripts: dict[int, Call] = {}

    def script(
        self, script: Script, keys: Sequence[str], args: Sequence[str | int | bytes] = ()
    ) -> None:
        """Queue a call of ``script``."""
        self._scripts[len(self.pipe)] = (script, keys, args)
        script(self.pipe, keys, args)

    async def execute(self, *, raise_on_error: bool = True) -> list[Any]:
        """Send the queued commands; their replies, in order.

        Script calls the server answered with ``NOSCRIPT`` are sent again
        after loading the scripts (up to three times, should the cache be
        flushed again meanwhile).

        Raises:
            The first command's error, with ``raise_on_error``; else errors
            are in the replies. ``NoScriptError`` when the scripts stay
            missing after three loads.
        """
        await self.cache.ensure()
        results: list[Any] = await self.pipe.execute(raise_on_error=False)
        for _ in range(_RELOADS):
            missing = [
                index for index in self._scripts if isinstance(results[index], NoScriptError)
            ]
            if not missing:
                break
            await self.cache.reload()
            pipe: Any = self.cache.redis.pipeline(transaction=False)
            for index in missing:
                script, keys, args = self._scripts[index]
                script(pipe, keys, args)
            replies = await pipe.execute(raise_on_error=False)
            for index, result in zip(missing, replies, strict=True):
                results[index] = result
        else:
            if any(isinstance(results[index], NoScriptError) for index in self._scripts):
                self.cache.forget()
        if raise_on_error:
            for result in results:
                if isinstance(result, Exception):
                    raise result
        return results
