"""Opening a SQLite store: checks that refuse a damaged or foreign file, the schema, and the one error type."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from egoi_mcp.store.base import StoreError
from egoi_mcp.store.sqlite_mark import unchanged_since_closed

__all__ = ["connect", "connect_state", "is_busy", "read", "store_error", "store_errors", "write"]

logger = logging.getLogger("egoi_mcp.store")

_FULL_BELOW: Final = 64 * 1024  # bytes free under which an I/O error is taken to be a full disk

BUSY_TIMEOUT_MS: Final = 30_000
SCHEMA_VERSION: Final = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: an id is never reused after pruning
    account      TEXT NOT NULL DEFAULT '',  -- whose events: '' for the one account of a single-account server
    trigger      TEXT NOT NULL,
    action       TEXT,
    list_id      INTEGER,
    contact_id   TEXT,
    email        TEXT,
    campaign_id  TEXT,
    occurred_at  TEXT,               -- ISO 8601, UTC
    received_at  TEXT NOT NULL,      -- ISO 8601, UTC, fixed width: sorts as text
    payload      TEXT NOT NULL,      -- the delivery as received, as JSON
    body_sha256  TEXT NOT NULL,
    delivery_id  TEXT,
    UNIQUE (account, body_sha256),   -- a repeat is one within an account: two accounts never collide
    UNIQUE (account, delivery_id)
);
CREATE TABLE IF NOT EXISTS shared (  -- what the processes sharing the store share: secrets, the rate budget
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
"""
# One index per filter of `page`, each leading with the account and ending in id: a page walks one, newest first,
# and stops (no sort). The time index without the account is retention's (`received_at < ?` over every account).
_INDEXES = """
CREATE INDEX IF NOT EXISTS events_by_account ON events (account, id);
CREATE INDEX IF NOT EXISTS events_by_account_trigger ON events (account, trigger, id);
CREATE INDEX IF NOT EXISTS events_by_account_received_at ON events (account, received_at);
CREATE INDEX IF NOT EXISTS events_by_account_list ON events (account, list_id, id);
CREATE INDEX IF NOT EXISTS events_by_account_contact ON events (account, contact_id, id);
CREATE INDEX IF NOT EXISTS events_by_account_email ON events (account, email COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS events_by_account_campaign ON events (account, campaign_id, id);
CREATE INDEX IF NOT EXISTS events_by_received_at ON events (received_at);
"""
_COPIED: Final = (
    "id, trigger, action, list_id, contact_id, email, campaign_id, occurred_at, received_at, payload, body_sha256,"
    " delivery_id"
)
_OUR_TABLES: Final = frozenset({"events", "shared", "sqlite_sequence", "audit"})  # audit: store.sqlite_audit


def connect(path: Path) -> sqlite3.Connection:
    """Open, check and migrate the database at `path`. Raises StoreError, never overwriting what is there."""
    if path.is_dir():
        raise StoreError(f"the event store path {path} is a directory: set EGOI_MCP_DB to a file path inside it")
    scan = not unchanged_since_closed(path)  # before anything here touches the file
    with store_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created private before SQLite opens it: events hold e-mail addresses. SQLite gives the -wal and -shm
        # files the database file's permissions.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        with store_errors(path):
            _check(db, path, scan=scan)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                logger.warning("event store %s is in %s mode, not WAL: sharing it is slower", path, mode)
            # FULL: an acknowledged delivery survives a power cut too (see SQLiteStore, Durability).
            db.execute("PRAGMA synchronous = FULL")
            # Each delivery of a group commit has its savepoint, whose undo journal SQLite otherwise keeps in a
            # temporary file: about 13 page writes a delivery, and a file made and removed per batch. It is never
            # needed after a crash (the WAL is what recovers), so memory loses nothing.
            db.execute("PRAGMA temp_store = MEMORY")
            with write(db):
                _migrate(db, path)
    except BaseException:
        db.close()
        raise
    return db


def connect_state(path: Path) -> sqlite3.Connection | None:
    """A second connection to the (already opened) store at `path`, for small shared-state changes made without
    leaving the event loop: it never waits for a lock (busy_timeout 0: a busy store is the caller's cue to take
    the waiting path), never syncs on commit (WAL with synchronous=NORMAL: a budget row lost to a power cut costs
    nothing) and never checkpoints (the main connection does). None when the store is not in WAL mode, where a
    commit would sync."""
    db = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    try:
        if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            db.close()
            return None
        db.execute("PRAGMA busy_timeout = 0")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA wal_autocheckpoint = 0")
    except BaseException:
        db.close()
        raise
    return db


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` is SQLite saying another connection holds the lock (SQLITE_BUSY or SQLITE_LOCKED)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _check(db: sqlite3.Connection, path: Path, *, scan: bool) -> None:
    """Refuse a damaged database or another program's, before anything is written to it. `scan`: read every page
    (not needed for a file as egoi-mcp's last clean close left it: `store.sqlite_mark`)."""
    result = [row[0] for row in db.execute("PRAGMA quick_check(5)").fetchall()] if scan else ["ok"]
    if result != ["ok"]:
        raise StoreError(
            f"the event store {path} is damaged ({' '.join(' '.join(map(str, result)).split())[:200]}): it was "
            "left untouched; "
            "move it aside (or restore a backup) and start again, or set EGOI_MCP_DB to another file"
        )
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version > SCHEMA_VERSION:
        raise StoreError(f"the event store {path} was written by a newer egoi-mcp (schema {version}): upgrade egoi-mcp")
    if tables - _OUR_TABLES or (version == 0 and "events" in tables):
        raise StoreError(
            f"{path} is another program's SQLite database (tables: {', '.join(sorted(tables))}), not an egoi-mcp "
            "event store: it was left untouched; set EGOI_MCP_DB to another file"
        )


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    """Version 1 had `events` only; version 2 adds `shared`; version 3 gives each event its account, repeats
    judged within it. `CREATE ... IF NOT EXISTS` covers the first steps, and gives a store written before them the
    indexes added since (on its first open, once)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
    if columns and "account" not in columns:
        _add_accounts(db)
    for statement in filter(str.strip, (_SCHEMA + _INDEXES).split(";")):
        db.execute(statement)
    if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:  # setting it writes, and syncs
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _add_accounts(db: sqlite3.Connection) -> None:
    """Rebuild `events` with the account column (every event until now the one account's, ''), within the
    caller's transaction: SQLite cannot change a table's UNIQUE constraints in place. The ids, and the highest id
    ever handed out, are kept."""
    logger.info("giving the event store's events their account (schema 3): once, on this first open")
    (sequence,) = db.execute("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'events'").fetchone()
    db.execute("ALTER TABLE events RENAME TO events_v2")
    for statement in filter(str.strip, _SCHEMA.split(";")):
        db.execute(statement)
    db.execute(f"INSERT INTO events ({_COPIED}) SELECT {_COPIED} FROM events_v2")
    db.execute("DROP TABLE events_v2")  # its indexes with it
    db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'events'", (sequence,))
    if db.execute("SELECT changes()").fetchone()[0] == 0 and sequence:
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)", (sequence,))


def store_error(exc: BaseException, path: Path) -> StoreError | None:
    """The one line for an error that says the store cannot be used; None for any other error."""
    if isinstance(exc, StoreError):
        return exc
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None  # extended codes carry the primary in the low byte
    if primary == sqlite3.SQLITE_FULL or getattr(exc, "errno", None) == errno.ENOSPC or _disk_full(path):
        return StoreError(f"disk full: the event store {path} cannot be written; free space on its disk")
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return StoreError(
            f"the event store {path} is damaged or not a SQLite database ({exc}): it was left untouched; move it "
            "aside and start again, or set EGOI_MCP_DB to another file"
        )
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_IOERR) or (
        isinstance(exc, OSError)
    ):
        return StoreError(
            f"cannot write the event store {path} ({getattr(exc, 'strerror', None) or exc}): check that its "
            "directory exists and that this user may write there, or set EGOI_MCP_DB to a writable path"
        )
    return None


def _disk_full(path: Path) -> bool:
    """Whether the file system that holds (or would hold) `path` has next to no room left."""
    for directory in (path.parent, *path.parents):
        try:
            return shutil.disk_usage(directory).free < _FULL_BELOW
        except OSError:
            continue
    return False


@contextlib.contextmanager
def store_errors(path: Path) -> Iterator[None]:
    """Turn the errors that mean "this store cannot be used" into StoreError; let every other error through."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        error = store_error(exc, path)
        if error is None:
            raise
        raise error from exc


class _Transaction:
    """`with write(db):` is BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""

    def __init__(self, db: sqlite3.Connection, begin: str) -> None:
        self._db = db
        self._begin = begin

    def __enter__(self) -> None:
        self._db.execute(self._begin)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._db.execute("COMMIT")
        elif self._db.in_transaction:  # some errors (SQLITE_FULL, ...) have rolled back already
            self._db.execute("ROLLBACK")


def write(db: sqlite3.Connection) -> _Transaction:
    return _Transaction(db, "BEGIN IMMEDIATE")


def read(db: sqlite3.Connection) -> _Transaction:
    return _Transaction(db, "BEGIN")
