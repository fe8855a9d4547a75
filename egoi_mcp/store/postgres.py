"""The PostgreSQL engine: several replicas share one database (psycopg 3, async, with its pool; plain SQL).

The same semantics as SQLite: `add` returns once the delivery is committed; a repeated delivery is stored
once (unique indexes on the body's hash and the delivery id, with `INSERT ... ON CONFLICT DO NOTHING`, so two
replicas receiving the same retry at the same moment still store it once); the store is bounded by count and
age, pruned by one replica at a time (a transaction-scoped advisory lock, tried, never waited for). The schema
is created and migrated on start under an advisory lock, with its version in `egoi_schema`.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, TypeVar

import psycopg
from mcp.server.subscriptions import SubscriptionBus
from psycopg_pool import AsyncConnectionPool

from egoi_mcp.models import Event, Page
from egoi_mcp.redact import mask_db_url
from egoi_mcp.store.base import (
    DEFAULT_MAX_AGE_DAYS,
    DEFAULT_MAX_EVENTS,
    EVENT_COLUMNS,
    LISTED_COLUMNS,
    MAX_COUNT,
    MAX_PAGE,
    PageQuery,
    StateChange,
    StoreError,
    check_bounds,
    check_limit,
    encode_cursor,
    event_number,
    new_secret,
    utc,
    utcnow,
)
from egoi_mcp.store.batch import Lanes, Pending, group_commit, take_batch
from egoi_mcp.store.pgaudit import PostgresAudit
from egoi_mcp.store.pgbus import PostgresBus
from egoi_mcp.store.pgrows import RECENT_SQL, insert_pipelined, page_sql
from egoi_mcp.store.pgrows import event as _event
from egoi_mcp.store.pgrows import events as _events
from egoi_mcp.store.pgrows import insert as _insert
from egoi_mcp.store.pgschema import migrate

if TYPE_CHECKING:
    from egoi_mcp.webhooks.parser import ParsedDelivery

__all__ = ["PostgresStore"]

T = TypeVar("T")

_LOCK_PRUNE: Final = 0x6567_6F69_0002
_CONNECT_TIMEOUT: Final = 10.0


class PostgresStore(PostgresAudit):
    """Webhook events in PostgreSQL, shared by every replica; see the module's docstring."""

    engine: Final = "postgresql"

    def __init__(
        self,
        pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]],
        url: str,
        *,
        max_events: int | None = DEFAULT_MAX_EVENTS,
        max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
        clock: Callable[[], datetime] = utcnow,
        bus: SubscriptionBus | None = None,
    ) -> None:
        """Use `PostgresStore.open(url)`: it connects, checks and migrates."""
        self.location = mask_db_url(url)
        self.max_events = max_events
        self.max_age = timedelta(days=max_age_days) if max_age_days is not None else None
        self.bus = bus if bus is not None else PostgresBus(url)
        """The subscription bus over LISTEN/NOTIFY: build the MCP server with it, and run `bus.run` alongside."""
        self._pool = pool
        self._clock = clock
        self._lanes = Lanes()
        self._closed = False
        # Counting by OFFSET walks max_events index entries: done every this many new events, not every flush.
        self._count_prune_every = max(1, min(1000, (max_events or 0) // 100))
        self._since_count_prune = 0

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        max_events: int | None = DEFAULT_MAX_EVENTS,
        max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
        clock: Callable[[], datetime] = utcnow,
        bus: SubscriptionBus | None = None,
    ) -> PostgresStore:
        """Connect to `url`, create or migrate the schema, prune. Raises StoreError when it cannot be used."""
        check_bounds(max_events, max_age_days)
        where = mask_db_url(url)
        pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] = AsyncConnectionPool(
            url, min_size=1, max_size=8, open=False, kwargs={"autocommit": True}, name="egoi-mcp"
        )
        try:
            await pool.open(wait=True, timeout=_CONNECT_TIMEOUT)
        except Exception as exc:
            await pool.close()
            raise StoreError(
                f"cannot reach PostgreSQL at {where} ({_reason(exc)}): check that the server runs and that "
                "EGOI_MCP_DB (postgresql://user:password@host:port/database) is right"
            ) from exc
        store = cls(pool, url, max_events=max_events, max_age_days=max_age_days, clock=clock, bus=bus)
        try:
            await store._migrate()
            await store._create_audit_table()
            await store.prune()
        except BaseException:
            await pool.close()
            raise
        return store

    @property
    def listener_connected(self) -> bool:
        """Whether this replica's LISTEN connection is up (it hears of other replicas' events through it)."""
        return bool(getattr(self.bus, "connected", False))

    @property
    def closed(self) -> bool:
        return self._closed

    # --- events --------------------------------------------------------------------------------------------

    async def add(self, raw: bytes, parsed: ParsedDelivery, *, account: str = "") -> tuple[Event, bool]:
        """Store one delivery to `account`, committed before this returns. `(event, True)` when it was a repeat."""
        self._check_open()
        return await group_commit(self._lanes.current(), raw, parsed, self._flush, account=account)

    async def get(self, event_id: str, *, account: str = "") -> Event | None:
        number = event_number(event_id)
        if number is None:
            return None
        sql = f"SELECT {EVENT_COLUMNS} FROM egoi_events WHERE id = %s AND account = %s"
        rows = await self._fetch(sql, (number, account))
        return _event(rows[0]) if rows else None

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
        """`account`'s events matching every filter given, newest first (the same contract as SQLite's)."""
        query = PageQuery.build(
            trigger=trigger, list_id=list_id, contact_id=contact_id, email=email, campaign_id=campaign_id,
            since=since, after=after, limit=limit, cursor=cursor, account=account,
        )  # fmt: skip
        since = next((value for column, value in query.filters if column == "received_at"), None)
        few_recent = False
        if since is not None:
            few_recent = (await self._fetch(RECENT_SQL, (account, since, MAX_COUNT + 1)))[0][0] <= MAX_COUNT
        sql, args = page_sql(query, few_recent=few_recent)
        rows = await self._fetch(sql, args)  # one statement: one snapshot for the page and its total
        total = int(rows[0][0])
        found = [row[1:] for row in rows if row[1] is not None]
        more = len(found) > query.limit
        items = _events(found[: query.limit])
        cursor = encode_cursor(int(items[-1].id)) if more else None
        return Page[Event](items=items, total=total if total <= MAX_COUNT else None, next_cursor=cursor)

    async def recent(self, trigger: str | None = None, limit: int = 50, *, account: str = "") -> list[Event]:
        check_limit(limit)
        where, args = ("trigger = %s", (trigger, limit)) if trigger is not None else ("true", (limit,))
        where, args = f"account = %s AND {where}", (account, *args)
        rows = await self._fetch(
            f"SELECT {LISTED_COLUMNS} FROM egoi_events WHERE {where} ORDER BY id DESC LIMIT %s", args
        )
        return _events(rows)

    async def last_id(self) -> int:
        """The highest id ever assigned (0 for none), pruned or not."""
        rows = await self._fetch("SELECT last_value, is_called FROM egoi_events_id_seq")
        return int(rows[0][0]) if rows and rows[0][1] else 0

    async def ids_since(self, last_id: int, limit: int = MAX_PAGE) -> list[int]:
        rows = await self._fetch("SELECT id FROM egoi_events WHERE id > %s ORDER BY id LIMIT %s", (last_id, limit))
        return [int(row[0]) for row in rows]

    async def get_many(self, ids: Sequence[int]) -> list[Event]:
        wanted = sorted(set(ids))
        if not wanted:
            return []
        rows = await self._fetch(f"SELECT {EVENT_COLUMNS} FROM egoi_events WHERE id = ANY(%s) ORDER BY id", (wanted,))
        return _events(rows)

    async def prune(self) -> None:
        """Drop what is beyond the count and age bounds, waiting for another replica's pruning to end."""
        self._check_open()
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_PRUNE,))
            await self._prune_locked(conn, by_count=True)

    # --- what replicas share -------------------------------------------------------------------------------

    async def shared_secret(self, name: str, *, initial: str | None = None) -> str:
        """The secret called `name`, created once (as `initial`, if given) for every replica."""
        key = f"secret:{name}"
        self._check_open()
        async with self._pool.connection() as conn:
            await conn.execute(
                "INSERT INTO egoi_shared (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                (key, initial or new_secret()),
            )
            cur = await conn.execute("SELECT value FROM egoi_shared WHERE name = %s", (key,))
            row = await cur.fetchone()
        assert row is not None
        return str(row[0])

    async def update_state(self, key: str, change: StateChange[T]) -> T:
        """Change the shared JSON value `key` under its row lock: replicas changing it take turns."""
        name = f"state:{key}"
        self._check_open()
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO egoi_shared (name, value) VALUES (%s, 'null') ON CONFLICT (name) DO NOTHING", (name,)
            )
            cur = await conn.execute("SELECT value FROM egoi_shared WHERE name = %s FOR UPDATE", (name,))
            row = await cur.fetchone()
            assert row is not None
            value, result = change(json.loads(row[0]))
            await conn.execute("UPDATE egoi_shared SET value = %s WHERE name = %s", (json.dumps(value), name))
        return result

    async def read_state(self, key: str) -> Any:
        """The shared JSON value `key` (None when there is none), changing nothing."""
        rows = await self._fetch("SELECT value FROM egoi_shared WHERE name = %s", (f"state:{key}",))
        return json.loads(rows[0][0]) if rows else None

    async def drop_states(self, prefix: str, *, below: str) -> None:
        """Drop the shared values whose keys start with `prefix` and sort before `prefix + below`."""
        self._check_open()
        async with self._pool.connection() as conn:
            await conn.execute(
                'DELETE FROM egoi_shared WHERE name COLLATE "C" >= %s AND name COLLATE "C" < %s',
                (f"state:{prefix}", f"state:{prefix}{below}"),
            )

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._pool.close()

    async def __aenter__(self) -> PostgresStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- plumbing ------------------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the event store is closed")

    async def _fetch(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._check_open()
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql, args)
            return await cur.fetchall()

    async def _migrate(self) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            await migrate(conn, self.location)

    async def _flush(self, waiting: deque[Pending]) -> None:
        """Store every delivery waiting, in one transaction, pipelined; on a database error, again one savepoint
        per delivery, so that one the database refuses fails alone."""
        batch = take_batch(waiting)
        if not batch:
            return
        try:
            try:
                await self._commit(batch, pipelined=True)
            except psycopg.Error:
                for pending in batch:
                    pending.event, pending.duplicate, pending.error = None, False, None
                await self._commit(batch, pipelined=False)
        except Exception as exc:  # not committed: nothing of the batch was stored
            error = StoreError(f"the event store at {self.location} failed: {_reason(exc)}")
            for pending in batch:
                pending.event, pending.error = None, error
        finally:
            for pending in batch:
                pending.done = True

    async def _commit(self, batch: list[Pending], *, pipelined: bool) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            now = utc(self._clock())
            if pipelined:
                await insert_pipelined(conn, batch, now)
            else:
                for pending in batch:
                    try:
                        async with conn.transaction():
                            pending.event, pending.duplicate = await _insert(conn, pending, now)
                    except Exception as exc:
                        pending.error = exc
            new = sum(1 for p in batch if p.event is not None and not p.duplicate)
            if new:
                self._since_count_prune += new
                cur = await conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_LOCK_PRUNE,))
                locked = await cur.fetchone()
                if locked and locked[0]:  # another replica prunes now: it will do for both
                    by_count = self._since_count_prune >= self._count_prune_every
                    await self._prune_locked(conn, by_count=by_count)

    async def _prune_locked(self, conn: psycopg.AsyncConnection[Any], *, by_count: bool) -> None:
        if by_count and self.max_events is not None:
            self._since_count_prune = 0
            await conn.execute(
                "DELETE FROM egoi_events WHERE id <= (SELECT id FROM egoi_events ORDER BY id DESC OFFSET %s LIMIT 1)",
                (self.max_events,),
            )
        if self.max_age is not None:
            await conn.execute("DELETE FROM egoi_events WHERE received_at < %s", (utc(self._clock()) - self.max_age,))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
