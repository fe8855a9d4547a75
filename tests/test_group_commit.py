"""Group commit (`store.batch.group_commit`), through its flush seam: deliveries that arrive together share one
flush, nobody runs a flush for nothing, and a cancelled delivery neither strands nor wedges the others."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from typing import Any, cast

import anyio
import pytest

from egoi_mcp.models import Event
from egoi_mcp.store.batch import Lane, Pending, group_commit, take_batch

pytestmark = pytest.mark.anyio


class Flush:
    """A flush that stores each waiting delivery as the next event; `hold` keeps the first one until released."""

    def __init__(self, *, hold: bool = False) -> None:
        self.batches: list[int] = []
        self.stored: list[str] = []
        self.started, self.released = anyio.Event(), anyio.Event()
        if not hold:
            self.released.set()

    async def __call__(self, waiting: deque[Pending]) -> None:
        batch = take_batch(waiting)
        self.batches.append(len(batch))
        self.started.set()
        with anyio.CancelScope(shield=True):  # a write under way completes, as the store's thread does
            await self.released.wait()
            for pending in batch:
                event_id = str(len(self.stored) + 1)
                self.stored.append(cast(str, pending.raw.decode()))
                pending.event = Event(id=event_id, trigger="new_subscriber", received_at=datetime.now(UTC))
                pending.done = True


async def deliver(lane: Lane, flush: Flush, n: int) -> Event:
    event, _ = await group_commit(lane, str(n).encode(), cast(Any, None), flush)
    return event


async def test_a_burst_shares_flushes_and_no_flush_runs_empty() -> None:
    lane, flush = Lane(anyio.CapacityLimiter(1)), Flush()
    async with anyio.create_task_group() as tasks:
        for n in range(100):
            tasks.start_soon(deliver, lane, flush, n)
    assert sum(flush.batches) == 100 and all(flush.batches)
    assert len(flush.batches) < 20  # one flush per delivery was the old way
    assert sorted(flush.stored, key=int) == [str(n) for n in range(100)]


async def test_cancelling_the_flushing_delivery_lets_the_waiting_one_flush() -> None:
    lane, flush = Lane(anyio.CapacityLimiter(1)), Flush(hold=True)
    stored: list[str] = []

    async def waiting_one() -> None:
        stored.append((await deliver(lane, flush, 2)).id)

    async with anyio.create_task_group() as tasks, anyio.create_task_group() as first:
        first.start_soon(deliver, lane, flush, 1)
        await flush.started.wait()  # delivery 1 is being written
        tasks.start_soon(waiting_one)
        await anyio.wait_all_tasks_blocked()  # delivery 2 waits for that flush to end
        first.cancel_scope.cancel()  # the flushing delivery goes; its write, already under way, completes
        flush.released.set()
    assert stored == ["2"]  # not stranded: once that flush ended, it ran the next one itself
    assert flush.batches == [1, 1] and flush.stored == ["1", "2"]


async def test_a_cancelled_waiting_delivery_does_not_wedge_the_lane() -> None:
    lane, flush = Lane(anyio.CapacityLimiter(1)), Flush(hold=True)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(deliver, lane, flush, 1)
        await flush.started.wait()
        async with anyio.create_task_group() as second:
            second.start_soon(deliver, lane, flush, 2)
            await anyio.wait_all_tasks_blocked()
            second.cancel_scope.cancel()  # never acknowledged: E-goi would retry it
        flush.released.set()
    event = await deliver(lane, flush, 3)
    # The cancelled delivery was still queued, so the next flush stored it too (a retry would be a repeat).
    assert event.id == "3" and flush.stored == ["1", "2", "3"] and flush.batches == [1, 2]
