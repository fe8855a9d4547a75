"""The SQLite engine: one machine, no server to run; several processes may share the file.

Why SQLite: the receiver must commit an event before it answers E-goi, several egoi-mcp processes (one per desktop
client, say) may receive and read the same events, and nobody should have to run a database. WAL mode lets readers
and one writer proceed together; `busy_timeout` makes writers from other processes wait their turn instead of failing
with "database is locked"; `BEGIN IMMEDIATE` takes the write lock up front so that a transaction never has to upgrade
(which SQLite cannot wait for). Within a process, one connection is shared, serialized by a lock, and driven from a
worker thread so that the event loop never blocks on disk; deliveries that arrive together are committed together
(group commit, see `store.batch`), and the WAL is copied back into the database by a thread of its own rather than by
one of those commits (`store.sqlite_checkpoint`). Two exceptions stay on the event loop and never wait: a change of the
rate budget's small row, a short transaction on a second connection when the write lock is free
(`store.sqlite_state`), and a page of events read through one index when the connection is free (`_run`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import anyio.to_thread
from mcp.server.subscriptions import InMemorySubscriptionBus, SubscriptionBus

from egoi_mcp.models import Event, Page
from egoi_mcp.store.base import (
    DEFAULT_MAX_AGE_DAYS,
    DEFAULT_MAX_EVENTS,
    EVENT_COLUMNS,
    LISTED_COLUMNS,
    MAX_PAGE,
    PAYLOAD_JSON,
    PageQuery,
    StateChange,
    StoreError,
    check_bounds,
    check_limit,
    event_number,
    new_secret,
    utc,
    utcnow,
)
from egoi_mcp.store.batch import Lanes, Pending, group_commit, take_batch
from egoi_mcp.store.sqlite_audit import SQLiteAudit
from egoi_mcp.store.sqlite_checkpoint import Checkpointer
from egoi_mcp.store.sqlite_db import connect, store_error, store_errors, write
from egoi_mcp.store.sqlite_mark import leave_mark
from egoi_mcp.store.sqlite_page import event as _event
from egoi_mcp.store.sqlite_page import events as _events
from egoi_mcp.store.sqlite_page import iso as _iso
from egoi_mcp.store.sqlite_page import read_page
from egoi_mcp.store.sqlite_state import StateConnection, change_state_waiting

if TYPE_CHECKING:
    from egoi_mcp.webhooks.parser import ParsedDelivery

__all__ = ["SQLiteStore"]

logger = logging.getLogger("egoi_mcp.store")

T = TypeVar("T")

_IDS_PER_QUERY: Final = 500  # bound parameters per `IN (...)`, well under SQLite's limit


class SQLiteStore(SQLiteAudit):
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

    engine: Final = "sqlite"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_events: int | None = DEFAULT_MAX_EVENTS,
        max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
        clock: Callable[[], datetime] = utcnow,
        bus: SubscriptionBus | None = None,
    ) -> None:
        """Open (creating if need be) the store at `path`. Raises StoreError when it cannot be used."""
        check_bounds(max_events, max_age_days)
        self.path = Path(path)
        self.location = str(self.path)
        self.bus = bus if bus is not None else InMemorySubscriptionBus()
        """In-process; other processes' events are found by polling the file (`EventNotifier.watch`)."""
        self.max_events = max_events
        self.max_age = timedelta(days=max_age_days) if max_age_days is not None else None
        self._clock = clock
        self._lock = threading.Lock()
        self._lanes = Lanes()
        self._checkpoints = Checkpointer(self.path)
        self._troubled = False  # a StoreError was raised (damage, a full disk): no clean-close mark
        self._conn: sqlite3.Connection | None = connect(self.path)
        with self._lock, store_errors(self.path):
            self._prune()
            self._create_audit_table()
            self._state = StateConnection(self.path)

    @property
    def listener_connected(self) -> bool:
        """Always true: other processes' events are found by polling the file (`EventNotifier.watch`)."""
        return not self.closed

    # --- async API -----------------------------------------------------------------------------------------

    async def add(self, raw: bytes, parsed: ParsedDelivery, *, account: str = "") -> tuple[Event, bool]:
        """Store one delivery to `account`, committed before this returns. `(event, True)` when it was a repeat."""
        lane = self._lanes.current()
        return await group_commit(lane, raw, parsed, lambda waiting: self._run(self._flush, waiting), account=account)

    async def get(self, event_id: str, *, account: str = "") -> Event | None:
        """`account`'s event by id; None when it is another account's, never existed or has been pruned."""
        number = event_number(event_id)
        if number is None:
            return None
        return await self._run(self._get, number, account)

    async def page(
        self,
        *,
        trigger: str | None = None,
        list_id: int | None = None,
        contact_id: str | None = None,
        email: str | None = None,
        campaign_id: str | None = None,
        since: datetime | None = None,
        after: str | None = None,
        limit: int = 25,
        cursor: str | None = None,
        account: str = "",
    ) -> Page[Event]:
        """`account`'s events matching every filter given, newest first.

        `since` is compared with `received_at`; `after` is an event id and keeps only newer events (polling);
        `cursor` is a previous page's `next_cursor`, paging to older events (keyset: `id < cursor`). `total`
        counts every event that matches the filters, whatever the page, when at most `MAX_COUNT` do; else None.
        """
        query = PageQuery.build(
            trigger=trigger, list_id=list_id, contact_id=contact_id, email=email, campaign_id=campaign_id,
            since=since, after=after, limit=limit, cursor=cursor, account=account,
        )  # fmt: skip
        return await self._run(lambda: read_page(self._db, query), inline=len(query.filters) <= 2)  # account + 1

    async def recent(self, trigger: str | None = None, limit: int = 50, *, account: str = "") -> list[Event]:
        """`account`'s newest `limit` events, of one trigger or of all (a `page` without the count)."""
        check_limit(limit)
        return await self._run(self._recent, trigger, limit, account)

    async def last_id(self) -> int:
        """The highest id ever assigned (0 for none), pruned or not: a cheap "anything new?" for watchers."""
        return await self._run(self._last_id)

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

    async def shared_secret(self, name: str, *, initial: str | None = None) -> str:
        """The secret called `name`, created once (as `initial`, if given) and kept in the store."""
        return await self._run(self._shared_secret, name, initial or new_secret())

    async def update_state(self, key: str, change: StateChange[T]) -> T:
        """Change the shared JSON value `key` under the write lock that every process sharing the file takes.

        Without leaving the event loop when that lock is free (see `store.sqlite_state`), else waiting its turn.
        """
        done = self._state.try_change(key, change)
        if done is not None:
            return done[0]
        return await self._run(self._update_state, key, change)

    async def read_state(self, key: str) -> Any:
        """The shared JSON value `key` (None when there is none), read without taking the write lock."""
        return await self._run(self._read_state, key)

    async def drop_states(self, prefix: str, *, below: str) -> None:
        """Drop the shared values whose keys start with `prefix` and sort before `prefix + below`."""
        await self._run(self._drop_states, f"state:{prefix}", f"state:{prefix}{below}")

    async def close(self) -> None:
        await self._run(self._close)

    @property
    def closed(self) -> bool:
        """Whether `close()` has been called; every other call then raises RuntimeError."""
        return self._conn is None

    async def __aenter__(self) -> SQLiteStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- plumbing ------------------------------------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], *args: Any, inline: bool = False) -> T:
        """Run `fn` under the lock on a worker thread, one per event loop at a time (a flood queues here, not on the
        lock in the shared pool's threads). `inline`, a read bounded by one index (a page of one filter, ~0.1 ms), runs
        on the event loop when the lock is free (never waiting for it): cheaper than two thread hand-offs."""
        if inline and self._lock.acquire(blocking=False):
            return self._locked(fn, args)
        return await anyio.to_thread.run_sync(self._locked, fn, args, True, limiter=self._lanes.current().limiter)

    def _locked(self, fn: Callable[..., T], args: tuple[Any, ...], acquire: bool = False) -> T:
        if acquire:
            self._lock.acquire()
        try:
            with store_errors(self.path):
                return fn(*args)
        except StoreError:
            self._troubled = True  # no clean-close mark: the next open scans the file
            raise
        finally:
            self._lock.release()

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the event store is closed")
        return self._conn

    def _flush(self, waiting: deque[Pending]) -> None:
        """Store every delivery waiting, in one transaction: one disk sync for a burst, not one per event.

        Each delivery has its own savepoint, so one that SQLite refuses fails alone. Whatever happens, every
        delivery taken from the queue leaves done, with an event or an error.
        """
        batch = take_batch(waiting)
        if not batch:
            return
        try:
            db = self._db
            with write(db):
                now = utc(self._clock())  # one reading for the batch: its deliveries are committed together
                received_at = (now, _iso(now))
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
            error = store_error(exc, self.path)
            self._troubled = self._troubled or error is not None
            for pending in batch:
                pending.event, pending.error = None, error or exc
            return
        finally:
            for pending in batch:
                pending.done = True
        self._checkpoints.after_commit()

    def _insert(
        self, db: sqlite3.Connection, pending: Pending, received_at: tuple[datetime, str]
    ) -> tuple[Event, bool]:
        """The stored delivery, and whether it was there already.

        Looked up first, inside the write lock, rather than left to the UNIQUE constraints (which stay as the
        safety net): a refused INSERT would still consume an AUTOINCREMENT id, and ids must stay consecutive.
        A new event is built from the values written, not read back (nor decoded back from the row's text): the
        same values, one query fewer, and still there when retention (a tiny `max_events`, a clock that jumps)
        drops it in the same transaction.
        """
        parsed = pending.parsed
        digest = hashlib.sha256(pending.raw).hexdigest()
        # min(), not ORDER BY id LIMIT 1: the same two index probes, without a sort for a new delivery. The account
        # is in each branch of the OR: `account = ? AND (a OR b)` walks every event of the account instead.
        account = pending.account
        (existing,) = db.execute(
            "SELECT min(id) FROM events WHERE (account = ? AND body_sha256 = ?) OR (account = ? AND delivery_id = ?)",
            (account, digest, account, parsed.delivery_id),
        ).fetchone()
        if existing is not None:
            row = db.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", (existing,)).fetchone()
            return _event(row), True
        occurred_at = utc(parsed.occurred_at) if parsed.occurred_at else None
        cursor = db.execute(
            "INSERT INTO events (account, trigger, action, list_id, contact_id, email, campaign_id, occurred_at,"
            " received_at, payload, body_sha256, delivery_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                account, parsed.trigger, parsed.action, parsed.list_id, parsed.contact_id, parsed.email,
                parsed.campaign_id, _iso(occurred_at) if occurred_at else None, received_at[1],
                PAYLOAD_JSON.encode(parsed.payload), digest, parsed.delivery_id,
            ),
        )  # fmt: skip
        event = Event(
            account=account, id=str(cursor.lastrowid), trigger=parsed.trigger, action=parsed.action,
            list_id=parsed.list_id, contact_id=parsed.contact_id, email=parsed.email, campaign_id=parsed.campaign_id,
            occurred_at=occurred_at, received_at=received_at[0], payload=parsed.payload,
        )  # fmt: skip
        return event, False

    def _get(self, number: int, account: str) -> Event | None:
        row = self._db.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ? AND account = ?", (number, account))
        found = row.fetchone()
        return _event(found) if found else None

    def _recent(self, trigger: str | None, limit: int, account: str) -> list[Event]:
        where, args = ("trigger = ?", (trigger, limit)) if trigger is not None else ("1", (limit,))
        where, args = f"account = ? AND {where}", (account, *args)
        rows = self._db.execute(f"SELECT {LISTED_COLUMNS} FROM events WHERE {where} ORDER BY id DESC LIMIT ?", args)
        return _events(rows.fetchall())

    def _last_id(self) -> int:
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        return int(row[0]) if row else 0

    def _ids_since(self, last_id: int, limit: int) -> list[int]:
        rows = self._db.execute("SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?", (last_id, limit))
        return [row[0] for row in rows.fetchall()]

    def _get_many(self, ids: list[int]) -> list[Event]:
        events: list[Event] = []
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN ({marks}) ORDER BY id", chunk)
            events += _events(rows.fetchall())
        return events

    def _prune(self) -> None:
        db = self._db
        with write(db):
            newest = db.execute("SELECT max(id) FROM events").fetchone()[0]
            self._prune_locked(utc(self._clock()), newest_id=newest)

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

    def _shared_secret(self, name: str, initial: str) -> str:
        db = self._db
        with write(db):
            db.execute("INSERT OR IGNORE INTO shared (name, value) VALUES (?, ?)", (f"secret:{name}", initial))
            (value,) = db.execute("SELECT value FROM shared WHERE name = ?", (f"secret:{name}",)).fetchone()
        return str(value)

    def _drop_states(self, low: str, high: str) -> None:
        with write(self._db):
            self._db.execute("DELETE FROM shared WHERE name >= ? AND name < ?", (low, high))

    def _read_state(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM shared WHERE name = ?", (f"state:{key}",)).fetchone()
        return json.loads(row[0]) if row else None

    def _update_state(self, key: str, change: StateChange[T]) -> T:
        return change_state_waiting(self._db, key, change)

    def _close(self) -> None:
        self._checkpoints.close()
        self._state.close()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            if not self._troubled:  # the next open need not scan every page (`store.sqlite_mark`)
                leave_mark(self.path)
