"""Acknowledgements of one moment share one call."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from fastdjango.contrib.redis._batch import AckBatch


async def test_adds_of_one_moment_are_settled_together() -> None:
    calls: list[list[int]] = []

    async def settle(items: Sequence[int]) -> None:
        calls.append(list(items))
        await asyncio.sleep(0.01)

    batch: AckBatch[int] = AckBatch(settle)
    await asyncio.gather(*(batch.add(n) for n in range(5)))
    await batch.add(5)
    assert calls == [[0, 1, 2, 3, 4], [5]]


async def test_a_failed_settlement_fails_every_add_of_its_batch() -> None:
    async def settle(items: Sequence[int]) -> None:
        raise ConnectionError(f"lost {len(items)}")

    batch: AckBatch[int] = AckBatch(settle)
    results = await asyncio.gather(batch.add(1), batch.add(2), return_exceptions=True)
    assert [str(result) for result in results] == ["lost 2", "lost 2"]
    with pytest.raises(ConnectionError, match="lost 1"):
        await batch.add(3)
