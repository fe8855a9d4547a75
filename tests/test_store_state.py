"""The shared state's two paths on SQLite: a change made while another connection holds the write lock waits
for it (on a worker thread) instead of failing or being lost, and one made when the lock is free is committed
at once; both are seen by every store instance sharing the file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import anyio
import pytest

from egoi_mcp.store.sqlite import SQLiteStore

pytestmark = pytest.mark.anyio


def increment(value: dict[str, Any] | None) -> tuple[dict[str, Any], int]:
    count = (value or {"n": 0})["n"] + 1
    return {"n": count}, count


async def test_a_change_waits_for_another_writer_then_lands(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store, other = SQLiteStore(path), SQLiteStore(path)
    try:
        assert await store.update_state("counter", increment) == 1  # lock free: committed at once
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process's writer, holding the lock
        results: list[int] = []

        async def change() -> None:
            results.append(await store.update_state("counter", increment))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(change)
            await anyio.sleep(0.3)
            assert results == []  # waiting its turn, not failed, not applied around the lock
            blocker.execute("COMMIT")
        blocker.close()
        assert results == [2]
        assert await other.update_state("counter", increment) == 3
    finally:
        await store.close()
        await other.close()


async def test_many_changes_keep_counting_through_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store, other = SQLiteStore(path), SQLiteStore(path)
    try:
        for i in range(600):  # past the worker-made (checkpointing) change that comes every 256
            assert await (store if i % 2 else other).update_state("counter", increment) == i + 1
    finally:
        await store.close()
        await other.close()
    reopened = SQLiteStore(path)
    try:
        assert await reopened.update_state("counter", increment) == 601
    finally:
        await reopened.close()


async def test_a_closed_store_refuses_state_changes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "events.db")
    await store.close()
    with pytest.raises(RuntimeError, match="closed"):
        await store.update_state("counter", increment)
