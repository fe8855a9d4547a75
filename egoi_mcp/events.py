"""The durable event store: every webhook delivery, in SQLite, shared safely by several server processes.

Why SQLite: the receiver must commit an event before it answers E-goi, several egoi-mcp processes (one per
desktop client, say) may receive and read the same events, and nobody should have to run a database. WAL mode
lets readers and one writer proceed together; `busy_timeout` makes writers from other processes wait their
turn instead of failing with "database is locked"; `BEGIN IMMEDIATE` takes the write lock up front so that a
transaction never has to upgrade (which SQLite cannot wait for). Within a process, one connection is shared,
serialized by a lock, and driven from a worker thread so that the event loop never blocks on disk; deliveries
that arrive together are committed together (group commit, see `EventStore.add`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread

from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.models import Event, Page

if TYPE_CHECKING:
    from egoi_mcp.webhooks import ParsedDelivery

__all__ = ["DEFAULT_MAX_AGE_DAYS", "DEFAULT_MAX_EVENTS", "EventStore"]

logger = logging.getLogger("egoi_mcp.events")

T = TypeVar("T")

DEFAULT_MAX_EVENTS: Final = 100_000
DEFAULT_MAX_AGE_DAYS: Final = 30
MAX_PAGE: Final = 1000
BUSY_TIMEOUT_MS: Final = 30_000
SCHEMA_VERSION: Final = 1
_IDS_PER_QUERY: Final = 500  # bound parameters per `IN (...)`, well under SQLite's limit

# Built once: `json.dumps` with options builds an encoder per call, and this runs for every delivery.
_PAYLOAD_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

_COLUMNS = "id, trigger, action, list_id, contact_id, email, campaign_id, occurred_at, received_at, payload"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: an id is never reused after pruning
    trigger      TEXT NOT NULL,
    action       TEXT,
    list_id      INTEGER,
    contact_id   TEXT,
    email        TEXT,
    campaign_id  TEXT,
    occurred_at  TEXT,               -- ISO 8601, UTC
    received_at  TEXT NOT NULL,      -- ISO 8601, UTC, fixed width: sorts as text
    payload      TEXT NOT NULL,      -- the delivery as received, as JSON
    body_sha256  TEXT NOT NULL UNIQUE,
    delivery_id  TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS events_by_trigger ON events (trigger, id);
CREATE INDEX IF NOT EXISTS events_by_received_at ON events (received_at);
"""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class _Pending:
    """One delivery on its way into the store, and how that went (`done` once a flush has taken it)."""

    raw: bytes
    parsed: ParsedDelivery
    done: bool = False
    duplicate: bool = False
    event: Event | None = None
    error: BaseException | None = None


@dataclass(eq=False)
class _Lane:
    """One event loop's way into the store: its single worker, the deliveries waiting, the flush under way.

    Per loop because anyio's limiters and events belong to the loop that made them.
    """

    limiter: anyio.CapacityLimiter
    waiting: deque[_Pending] = field(default_factory=deque)
    flushing: anyio.Event | None = None
    """Set when the flush now running ends; None while none runs."""


class EventStore:
    """Webhook events in SQLite (WAL), newest first, bounded by count and by age.

    The dedupe rule: a delivery whose raw body is byte-for-byte one already stored, or whose delivery id
    (E-goi's or the sandbox's `delivery_id`) is one already stored, is the same delivery repeated; `add`
    returns the stored event with `duplicate=True` and stores nothing.

    Durability: `add` returns once the delivery is committed, so nothing is acknowledged before that. The
    connection runs WAL with `synchronous=FULL`: every commit is on disk before it returns, so an acknowledged
    event survives this process dying (tests/test_webhooks_process.py kills a receiver mid-flood and finds every
    acknowledged event) and a power cut too; E-goi, having had its 2xx, would never send it again. Group commit
    pays one fsync per burst rather than per delivery. NORMAL measured about 5% faster (bench/webhook_ingest.py)
    but may roll back the last acknowledged commits after an operating system crash: not a trade we make.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_events: int | None = DEFAULT_MAX_EVENTS,
        max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if max_events is not None and max_events < 1:
            raise ValueError("max_events must be at least 1 (or None for no bound)")
        if max_age_days is not None and max_age_days <= 0:
            raise ValueError("max_age_days must be positive (or None for no bound)")
        self.path = Path(path)
        self.max_events = max_events
        self.max_age = timedelta(days=max_age_days) if max_age_days is not None else None
        self._clock = clock
        self._lock = threading.Lock()
        self._lanes: dict[object, _Lane] = {}
        self._conn: sqlite3.Connection | None = _connect(self.path)
        with self._lock:
            self._prune()

    # --- async API -----------------------------------------------------------------------------------------

    async def add(self, raw: bytes, parsed: ParsedDelivery) -> tuple[Event, bool]:
        """Store one delivery, committed before this returns. `(event, True)` when it was a repeat.

        Group commit: one flush at a time stores every delivery waiting, in one transaction (one disk sync).
        A delivery that arrives while a flush runs waits for that flush to end; then the first delivery still
        waiting starts the next flush, for itself and every other one by then. So a burst of N deliveries
        costs a couple of worker round trips, not N (each of which would find nothing left to write).

        Cancelled while waiting, a delivery may still be stored by a flush already under way; it was never
        acknowledged, so E-goi retries it and the dedupe absorbs the repeat.
        """
        lane = self._lane()
        pending = _Pending(raw, parsed)
        lane.waiting.append(pending)
        while not pending.done:
            if lane.flushing is not None:
                await lane.flushing.wait()
                continue
            flushing = lane.flushing = anyio.Event()
            try:
                await self._run(self._flush, lane.waiting)
            finally:
                lane.flushing = None
                flushing.set()
        if pending.error is not None:
            raise pending.error
        if pending.event is None:  # the flush was cut short (a BaseException in the worker) before it could say
            raise RuntimeError("the delivery was not stored")
        return pending.event, pending.duplicate

    async def get(self, event_id: str) -> Event | None:
        """One event by id; None when it never existed or has been pruned."""
        number = _event_number(event_id)
        if number is None:
            return None
        return await self._run(self._get, number)

    async def list(
        self,
        *,
        trigger: str | None = None,
        list_id: int | None = None,
        contact_id: str | None = None,
        email: str | None = None,
        since: datetime | None = None,
        after: str | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> Page[Event]:
        """Events matching every filter given, newest first.

        `since` is compared with `received_at`; `after` is an event id and keeps only newer events (polling);
        `cursor` is a previous page's `next_cursor`, paging to older events. `total` counts every event that
        matches the filters, whatever the page.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidArgumentError(f"limit must be between 1 and {MAX_PAGE}")
        after_number = None
        if after is not None:
            after_number = _event_number(after)
            if after_number is None:
                raise InvalidArgumentError(f"after must be an event id (digits, like '42'), not {after!r}")
        before = _decode_cursor(cursor) if cursor else None
        where: list[str] = []
        args: list[Any] = []
        for clause, value in (
            ("trigger = ?", trigger),
            ("list_id = ?", list_id),
            ("contact_id = ?", contact_id),
            ("email = ? COLLATE NOCASE", email),
            ("received_at >= ?", _iso(since) if since else None),
            ("id > ?", after_number),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        return await self._run(self._list, where, args, before, limit)

    async def recent(self, trigger: str | None = None, limit: int = 50) -> list[Event]:
        """The newest `limit` events, of one trigger or of all (a `list` without the count, for resources)."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidArgumentError(f"limit must be between 1 and {MAX_PAGE}")
        return await self._run(self._recent, trigger, limit)

    async def last_id(self) -> int:
        """The highest id ever assigned (0 for none), pruned or not: a cheap "anything new?" for watchers."""
        return await self._run(self._last_id)

    async def since_id(self, last_id: int, limit: int = MAX_PAGE) -> list[Event]:
        """Events with an id above `last_id`, oldest first, at most `limit` of them."""
        return await self._run(self._since_id, last_id, limit)

    async def ids_since(self, last_id: int, limit: int = MAX_PAGE) -> list[int]:
        """The ids above `last_id`, oldest first, at most `limit`: an index scan, nothing decoded.

        For a watcher that has seen most of them already (this process stored them), and then reads only the
        others with `get_many`.
        """
        return await self._run(self._ids_since, last_id, limit)

    async def get_many(self, ids: Sequence[int]) -> list[Event]:
        """The events with these ids, oldest first; ids never stored or already pruned are left out."""
        return await self._run(self._get_many, sorted(set(ids)))

    async def prune(self) -> None:
        """Drop what is beyond the count and age bounds. `add` does this as it goes; this is for idle stores."""
        await self._run(self._prune)

    async def close(self) -> None:
        await self._run(self._close)

    @property
    def closed(self) -> bool:
        """Whether `close()` has been called; every other call then raises RuntimeError."""
        return self._conn is None

    async def __aenter__(self) -> EventStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- plumbing ------------------------------------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` under the lock on a worker thread.

        One worker per event loop at a time: a flood of calls queues here rather than occupying every thread
        of the shared pool (which the server's synchronous tools need too) only to wait on the lock.
        """

        def locked() -> T:
            with self._lock:
                return fn(*args)

        return await anyio.to_thread.run_sync(locked, limiter=self._lane().limiter)

    def _lane(self) -> _Lane:
        loop = anyio.lowlevel.current_token()
        lane = self._lanes.get(loop)
        if lane is None:
            lane = self._lanes[loop] = _Lane(anyio.CapacityLimiter(1))
        return lane

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the event store is closed")
        return self._conn

    def _flush(self, waiting: deque[_Pending]) -> None:
        """Store every delivery waiting, in one transaction: one disk sync for a burst, not one per event.

        Each delivery has its own savepoint, so one that SQLite refuses fails alone. Whatever happens, every
        delivery taken from the queue leaves done, with an event or an error.
        """
        batch: list[_Pending] = []
        while waiting:  # the loop may append meanwhile: deque appends and pops are atomic
            batch.append(waiting.popleft())
        if not batch:
            return
        try:
            db = self._db
            with _write(db):
                now = _utc(self._clock())  # one reading for the batch: its deliveries are committed together
                received_at = _iso(now)
                for pending in batch:
                    db.execute("SAVEPOINT delivery")
                    try:
                        pending.event, pending.duplicate = self._insert(db, pending, received_at)
                    except Exception as exc:
                        db.execute("ROLLBACK TO delivery")
                        pending.error = exc
                    db.execute("RELEASE delivery")
                stored = [int(p.event.id) for p in batch if p.event is not None and not p.duplicate]
                if stored:
                    self._prune_locked(now, newest_id=max(stored))
        except Exception as exc:  # not committed: nothing of the batch was stored
            for pending in batch:
                pending.event, pending.error = None, exc
        finally:
            for pending in batch:
                pending.done = True

    def _insert(self, db: sqlite3.Connection, pending: _Pending, received_at: str) -> tuple[Event, bool]:
        """The stored delivery, and whether it was there already.

        Looked up first, inside the write lock, rather than left to the UNIQUE constraints (which stay as the
        safety net): a refused INSERT would still consume an AUTOINCREMENT id, and ids must stay consecutive.
        A new event is built from the row as written, not read back: the same values, one query fewer, and
        still there when retention (a tiny `max_events`, a clock that jumps) drops it in the same transaction.
        """
        parsed = pending.parsed
        digest = hashlib.sha256(pending.raw).hexdigest()
        # min(), not ORDER BY id LIMIT 1: the same two index probes, without a sort for a new delivery.
        (existing,) = db.execute(
            "SELECT min(id) FROM events WHERE body_sha256 = ? OR delivery_id = ?", (digest, parsed.delivery_id)
        ).fetchone()
        if existing is not None:
            row = db.execute(f"SELECT {_COLUMNS} FROM events WHERE id = ?", (existing,)).fetchone()
            return _event(row), True
        row = (
            parsed.trigger,
            parsed.action,
            parsed.list_id,
            parsed.contact_id,
            parsed.email,
            parsed.campaign_id,
            _iso(parsed.occurred_at) if parsed.occurred_at else None,
            received_at,
            _PAYLOAD_JSON.encode(parsed.payload),
        )
        cursor = db.execute(
            "INSERT INTO events (trigger, action, list_id, contact_id, email, campaign_id, occurred_at, received_at,"
            " payload, body_sha256, delivery_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (*row, digest, parsed.delivery_id),
        )
        assert cursor.lastrowid is not None
        return _event((cursor.lastrowid, *row)), False

    def _get(self, number: int) -> Event | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM events WHERE id = ?", (number,)).fetchone()
        return _event(row) if row else None

    def _list(self, where: list[str], args: list[Any], before: int | None, limit: int) -> Page[Event]:
        db = self._db
        filters = " AND ".join(where) or "1"
        paged = f"{filters} AND id < ?" if before is not None else filters
        paged_args = [*args, before] if before is not None else args
        with _read(db):  # one snapshot for the page and its total
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM events WHERE {paged} ORDER BY id DESC LIMIT ?", (*paged_args, limit + 1)
            ).fetchall()
            total = db.execute(f"SELECT count(*) FROM events WHERE {filters}", args).fetchone()[0]
        items = [_event(row) for row in rows[:limit]]
        more = len(rows) > limit
        return Page[Event](items=items, total=total, next_cursor=_encode_cursor(int(items[-1].id)) if more else None)

    def _recent(self, trigger: str | None, limit: int) -> list[Event]:
        where, args = ("trigger = ?", (trigger, limit)) if trigger is not None else ("1", (limit,))
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM events WHERE {where} ORDER BY id DESC LIMIT ?", args)
        return [_event(row) for row in rows.fetchall()]

    def _last_id(self) -> int:
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        return int(row[0]) if row else 0

    def _since_id(self, last_id: int, limit: int) -> list[Event]:
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?", (last_id, limit)
        ).fetchall()
        return [_event(row) for row in rows]

    def _ids_since(self, last_id: int, limit: int) -> list[int]:
        rows = self._db.execute("SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?", (last_id, limit))
        return [row[0] for row in rows.fetchall()]

    def _get_many(self, ids: list[int]) -> list[Event]:
        events: list[Event] = []
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM events WHERE id IN ({marks}) ORDER BY id", chunk)
            events += [_event(row) for row in rows.fetchall()]
        return events

    def _prune(self) -> None:
        db = self._db
        with _write(db):
            newest = db.execute("SELECT max(id) FROM events").fetchone()[0]
            self._prune_locked(_utc(self._clock()), newest_id=newest)

    def _prune_locked(self, now: datetime, *, newest_id: int | None) -> None:
        """Both bounds are index range deletes, cheap enough for every insert.

        Ids are handed out consecutively (writers are serialized, and a refused repeat does not consume one),
        so keeping ids above `newest - max_events` keeps at most `max_events` events.
        """
        db = self._db
        if self.max_events is not None and newest_id is not None and newest_id > self.max_events:
            db.execute("DELETE FROM events WHERE id <= ?", (newest_id - self.max_events,))
        if self.max_age is not None:
            db.execute("DELETE FROM events WHERE received_at < ?", (_iso(now - self.max_age),))

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# --- SQLite helpers ---------------------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Created private before SQLite opens it: events hold e-mail addresses. SQLite gives the -wal and -shm
    # files the database file's permissions.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            logger.warning("event store %s is in %s mode, not WAL: sharing it between processes is slower", path, mode)
        # FULL: an acknowledged delivery survives a power cut too (see EventStore, Durability).
        db.execute("PRAGMA synchronous = FULL")
        with _write(db):
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"{path} was written by a newer egoi-mcp (schema {version}); upgrade egoi-mcp")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.close()
        raise
    return db


class _Transaction:
    """`with _write(db):` is BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""

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


def _write(db: sqlite3.Connection) -> _Transaction:
    return _Transaction(db, "BEGIN IMMEDIATE")


def _read(db: sqlite3.Connection) -> _Transaction:
    return _Transaction(db, "BEGIN")


def _utc(value: datetime) -> datetime:
    """Aware, in UTC; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime) -> str:
    """Fixed-width UTC ISO 8601, so that text order is time order."""
    return _utc(value).isoformat(timespec="microseconds")


def _event(row: tuple[Any, ...]) -> Event:
    id_, trigger, action, list_id, contact_id, email, campaign_id, occurred_at, received_at, payload = row
    return Event(
        id=str(id_),
        trigger=trigger,
        action=action,
        list_id=list_id,
        contact_id=contact_id,
        email=email,
        campaign_id=campaign_id,
        occurred_at=datetime.fromisoformat(occurred_at) if occurred_at else None,
        received_at=datetime.fromisoformat(received_at),
        payload=json.loads(payload),
    )


def _event_number(event_id: str | int) -> int | None:
    text = str(event_id).strip()
    if not text.isdigit() or not text.isascii() or len(text) > 18:
        return None
    return int(text)


def _encode_cursor(before_id: int) -> str:
    return base64.urlsafe_b64encode(f"ev:{before_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        before = int(value)
        if kind != "ev" or before < 1:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidArgumentError(
            "cursor is not one this server issued: pass the next_cursor of the previous page, or omit it"
        ) from None
    return before
