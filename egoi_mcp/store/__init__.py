"""The durable store: webhook events, and what every process or replica sharing it shares (secrets, budget).

Two engines with one interface (`Store`): SQLite for one machine (a path; the default, no server to run) and
PostgreSQL for several replicas (a `postgresql://` URL). `open_store` picks by the shape of `db`.
"""

from __future__ import annotations

from pathlib import Path

from mcp.server.subscriptions import SubscriptionBus

from egoi_mcp.store.base import (
    DEFAULT_MAX_AGE_DAYS,
    DEFAULT_MAX_EVENTS,
    MAX_PAGE,
    Engine,
    SharedState,
    StateChange,
    Store,
    StoreError,
)
from egoi_mcp.store.sqlite import SQLiteStore

__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "DEFAULT_MAX_EVENTS",
    "MAX_PAGE",
    "Engine",
    "SQLiteStore",
    "SharedState",
    "StateChange",
    "Store",
    "StoreError",
    "is_postgres_url",
    "open_store",
]

_PG_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(db: str | Path) -> bool:
    return isinstance(db, str) and db.startswith(_PG_SCHEMES)


async def open_store(
    db: str | Path,
    *,
    max_events: int | None = DEFAULT_MAX_EVENTS,
    max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
    bus: SubscriptionBus | None = None,
) -> Store:
    """The store at `db`: a `postgresql://` URL opens PostgreSQL, anything else is a SQLite file path.

    Opened, checked and migrated; raises StoreError with one actionable line when it cannot be used. `bus` is the
    one the MCP server was built with (default: a new one of the engine's kind).
    Close it with `await store.close()` (or `async with`).
    """
    if is_postgres_url(db):
        from egoi_mcp.store.postgres import PostgresStore  # psycopg is imported only by those who use it

        return await PostgresStore.open(str(db), max_events=max_events, max_age_days=max_age_days, bus=bus)
    import anyio.to_thread

    path = Path(db)
    return await anyio.to_thread.run_sync(
        lambda: SQLiteStore(path, max_events=max_events, max_age_days=max_age_days, bus=bus)
    )
