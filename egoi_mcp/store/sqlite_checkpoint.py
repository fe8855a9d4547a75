"""Checkpoints of the SQLite store's write-ahead log, off the commit path.

SQLite copies the WAL back into the database file (a checkpoint) in the commit that takes the WAL past 1,000
pages: during a flood of deliveries, every few dozen group commits one of them also writes megabytes and syncs
the database file before its deliveries can be answered. So after a group commit, a thread of its own
checkpoints, on a connection of its own, at most one at a time and every `INTERVAL` seconds at most: often enough
that the WAL is copied back before it reaches the size at which a commit would do it (which stays the fallback,
and the only checkpoint of a store that takes no deliveries). A PASSIVE checkpoint never waits for a lock nor holds
up a writer, and syncs as FULL does (the WAL before copying, the database after), so nothing committed depends on
it: what it has not copied yet is in the WAL, where a crash recovers it from.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Final

__all__ = ["Checkpointer"]

logger = logging.getLogger("egoi_mcp.store")

INTERVAL: Final = 0.1  # seconds between the starts of two checkpoints, at least


class Checkpointer:
    """Runs a PASSIVE checkpoint of the store at `path` on a thread after a commit asks, unless one ran lately."""

    def __init__(self, path: Path, *, interval: float = INTERVAL) -> None:
        self._path = path
        self._interval = interval
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._started = float("-inf")
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    def after_commit(self) -> None:
        """Start a checkpoint if none is running and none started within the interval. Never blocks."""
        now = time.monotonic()
        with self._lock:
            if self._closed or self._thread is not None or now - self._started < self._interval:
                return
            self._started = now
            thread = threading.Thread(target=self._checkpoint, name="egoi-mcp-checkpoint", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # no thread to be had now: the commit that fills the WAL checkpoints instead
                return
            self._thread = thread

    def close(self) -> None:
        """Wait for a checkpoint under way, and close the connection. No checkpoint starts after this."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            thread.join()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _checkpoint(self) -> None:
        try:
            if self._conn is None:
                self._conn = sqlite3.connect(self._path, timeout=0, isolation_level=None, check_same_thread=False)
                self._conn.execute("PRAGMA synchronous = FULL")  # sync the database before the WAL may be reused
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # the next one tries again, and meanwhile the commit that fills the WAL
            logger.warning("checkpointing the event store failed: %s", exc)
        finally:
            with self._lock:
                self._thread = None
