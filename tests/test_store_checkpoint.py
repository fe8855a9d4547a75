"""The SQLite store's WAL is copied back into the database file after group commits, by a thread of its own
(`store.sqlite_checkpoint`): no delivery's commit waits for that copy, and nothing committed waits for it either."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from egoi_mcp.store import SQLiteStore
from egoi_mcp.webhooks import parse_delivery

pytestmark = pytest.mark.anyio


def delivery(n: int) -> bytes:
    return json.dumps({"action": "email_open", "list_id": 1, "email": f"r{n}@example.com", "delivery_id": n}).encode()


def events_in_the_database_file(path: Path, copy: Path) -> int:
    """The events the database file holds by itself, without its WAL (a copy of the file alone, opened)."""
    shutil.copyfile(path, copy)
    db = sqlite3.connect(copy)
    try:
        return int(db.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        db.close()


async def test_deliveries_reach_the_database_file_without_waiting_for_a_full_wal(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SQLiteStore(path)
    reader = sqlite3.connect(path)  # open throughout: closing the store is then not the last close, which checkpoints
    try:
        assert reader.execute("SELECT count(*) FROM events").fetchone()[0] == 0
        async with store:  # closing waits for a checkpoint under way
            for n in range(20):  # a few dozen pages of WAL: far from the 1,000 at which a commit would checkpoint
                raw = delivery(n)
                await store.add(raw, parse_delivery(raw, "application/json"))
        assert reader.execute("SELECT count(*) FROM events").fetchone()[0] == 20  # all committed, in the WAL
        assert events_in_the_database_file(path, tmp_path / "copy.db") >= 1  # the first commit's checkpoint ran
    finally:
        reader.close()
