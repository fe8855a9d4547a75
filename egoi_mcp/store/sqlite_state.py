"""The SQLite store's shared state (the rate budget): small JSON values changed atomically by every process.

The rate limiter changes its budget twice per E-goi request, so the common case stays on the event loop: a short
transaction on a second connection when the write lock is free at once. That connection never waits for a lock
(busy_timeout 0), commits to the WAL without a sync (synchronous=NORMAL: a budget row lost to a power cut costs
nothing) and never checkpoints, so nothing on the event loop waits for another writer or the disk. When the lock
is taken (another process or this one is writing), and for every `CHECKPOINT_EVERY`-th change (so that the WAL
gets checkpointed), the store's worker thread makes the change on the main connection, waiting its turn.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Final, TypeVar

from egoi_mcp.store.base import StateChange
from egoi_mcp.store.sqlite_db import connect_state, is_busy, store_errors, write

__all__ = ["CHECKPOINT_EVERY", "StateConnection", "change_state"]

T = TypeVar("T")

CHECKPOINT_EVERY: Final = 256


def change_state(db: sqlite3.Connection, key: str, change: StateChange[T]) -> T:
    """Apply `change` to the value of `key`, inside the caller's write transaction."""
    row = db.execute("SELECT value FROM shared WHERE name = ?", (f"state:{key}",)).fetchone()
    value, result = change(json.loads(row[0]) if row else None)
    db.execute(
        "INSERT INTO shared (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (f"state:{key}", json.dumps(value)),
    )
    return result


def change_state_waiting(db: sqlite3.Connection, key: str, change: StateChange[T]) -> T:
    """`change_state` in a transaction of its own on the main connection (a worker thread, under its lock)."""
    # NORMAL for these: losing the last budget update to a power cut costs nothing; an fsync each would.
    db.execute("PRAGMA synchronous = NORMAL")
    try:
        with write(db):
            return change_state(db, key, change)
    finally:
        db.execute("PRAGMA synchronous = FULL")


class StateConnection:
    """The connection for state changes that do not wait (see the module's docstring)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db = connect_state(path)
        self._lock = threading.Lock()
        self._changes = 0

    def try_change(self, key: str, change: StateChange[T]) -> tuple[T] | None:
        """`(result,)` once changed and committed; None when it must be made waiting (nothing was changed)."""
        self._changes += 1
        db = self._db
        if db is None or not self._changes % CHECKPOINT_EVERY or not self._lock.acquire(blocking=False):
            return None
        try:
            with store_errors(self._path):
                try:
                    db.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if is_busy(exc):
                        return None
                    raise
                try:
                    result = change_state(db, key, change)
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            return (result,)
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
