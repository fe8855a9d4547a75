"""One page of events from SQLite, at a cost that does not grow with the store.

Every page is one account's. Each filter has an index leading with the account and ending in id (sqlite_db's
schema), so a page walks one index newest first and stops after `limit + 1` rows: keyset paging (`id < cursor`),
no OFFSET, no sort. `since` is the exception: its index is ordered by time, not id. When at most MAX_COUNT of the
account's events are that recent, they are read through that index and sorted (a bounded set); otherwise the
newest ids are the recent ones and the walk down the ids finds them first. The total is counted only when the
page is not the whole result, and then only up to MAX_COUNT + 1 entries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from egoi_mcp.models import Event, Page
from egoi_mcp.store.base import LISTED_COLUMNS, MAX_COUNT, PageQuery, encode_cursor, row_event, row_events, utc
from egoi_mcp.store.sqlite_db import read

__all__ = ["event", "events", "iso", "read_page"]

_SQL: Final = {"email": "email = ? COLLATE NOCASE", "received_at": "received_at >= ?", "id": "id > ?"}
_SINCE_INDEX: Final = "events_by_account_received_at"


def read_page(db: sqlite3.Connection, query: PageQuery) -> Page[Event]:
    """The page `query` asks for, in one read transaction: the page and its total agree."""
    with read(db):
        return _read_page(db, query)


def _read_page(db: sqlite3.Connection, query: PageQuery) -> Page[Event]:
    where = [_SQL.get(column, f"{column} = ?") for column, _ in query.filters]
    args = [iso(value) if isinstance(value, datetime) else value for _, value in query.filters]
    filters = " AND ".join(where) or "1"
    paged, paged_args = (f"{filters} AND id < ?", [*args, query.before]) if query.before else (filters, args)
    since = next((iso(value) for column, value in query.filters if column == "received_at"), None)
    account = args[0]  # every query names its account first
    if (
        since is not None
        and _count_to(db, "account = ? AND received_at >= ?", [account, since], MAX_COUNT) <= MAX_COUNT
    ):
        source = f"SELECT id FROM events INDEXED BY {_SINCE_INDEX} WHERE {paged} ORDER BY id DESC LIMIT ?"
        sql = f"SELECT {LISTED_COLUMNS} FROM events WHERE id IN ({source}) ORDER BY id DESC"
    else:  # `+received_at`: not through the time index, whose order is not the page's
        paged = paged.replace(_SQL["received_at"], f"+{_SQL['received_at']}")
        sql = f"SELECT {LISTED_COLUMNS} FROM events WHERE {paged} ORDER BY id DESC LIMIT ?"
    rows = db.execute(sql, (*paged_args, query.limit + 1)).fetchall()
    more = len(rows) > query.limit
    total = len(rows)
    if more or query.before:  # the page is not the whole result
        total = _count_to(db, filters, args, MAX_COUNT)
    items = events(rows[: query.limit])
    cursor = encode_cursor(int(items[-1].id)) if more else None
    return Page[Event](items=items, total=total if total <= MAX_COUNT else None, next_cursor=cursor)


def _count_to(db: sqlite3.Connection, where: str, args: list[Any], most: int) -> int:
    """How many events match, counting no further than `most + 1`."""
    sql = f"SELECT count(*) FROM (SELECT 1 FROM events WHERE {where} LIMIT ?)"
    return int(db.execute(sql, (*args, most + 1)).fetchone()[0])


def iso(value: datetime) -> str:
    """Fixed-width UTC ISO 8601, so that text order is time order."""
    return utc(value).isoformat(timespec="microseconds")


def event(row: tuple[Any, ...]) -> Event:
    return row_event(row, datetime.fromisoformat)


def events(rows: Sequence[tuple[Any, ...]]) -> list[Event]:
    return row_events(rows, datetime.fromisoformat)
