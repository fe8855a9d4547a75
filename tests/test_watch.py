"""The SQLite event watcher during a flood this process receives itself: each of its reads holds the store's worker,
which the receiver's commits wait for, so a round that finds only events notified here reads nothing more."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from egoi_mcp.models import Event
from egoi_mcp.resources import EventNotifier
from egoi_mcp.store import SQLiteStore
from egoi_mcp.webhooks import parse_delivery

pytestmark = pytest.mark.anyio


async def add(store: SQLiteStore, n: int) -> Event:
    raw = json.dumps({"action": "email_open", "list_id": 1, "email": f"r{n}@example.com", "delivery_id": n}).encode()
    event, _ = await store.add(raw, parse_delivery(raw, "application/json"))
    return event


async def test_a_round_that_finds_only_events_notified_here_reads_no_ids_and_no_events(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "events.db")
    notifier = EventNotifier(store, store.bus)
    reads: list[str] = []
    rounds = 0
    last_id, ids_since, get_many = store.last_id, store.ids_since, store.get_many

    async def counted_last_id() -> int:  # each round of the watch starts here
        nonlocal rounds
        rounds += 1
        return await last_id()

    async def observed_ids_since(last: int, limit: int = 1000) -> list[int]:
        reads.append(f"ids above {last}")
        return await ids_since(last, limit)

    async def observed_get_many(ids: list[int]) -> list[Event]:
        reads.append(f"events {ids}")
        return await get_many(ids)

    store.last_id = counted_last_id  # type: ignore[method-assign]
    store.ids_since = observed_ids_since  # type: ignore[method-assign]
    store.get_many = observed_get_many  # type: ignore[method-assign]

    async def rounds_past(count: int) -> None:
        with anyio.fail_after(10):
            while rounds < count:
                await anyio.sleep(0.01)

    async with store, anyio.create_task_group() as tasks:
        tasks.start_soon(notifier.watch, 0.01)
        await rounds_past(1)  # the watch starts from the end: 0
        for n in range(1, 6):
            await notifier.notify([await add(store, n)])  # received and notified here: ids 1-5
        await rounds_past(rounds + 2)  # a whole round began after every one of them was stored
        tasks.cancel_scope.cancel()
    assert reads == []
