"""PostgreSQL rows: one delivery in (deduplicated within its account), one event out, a page of one account's."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import psycopg

from egoi_mcp.models import Event
from egoi_mcp.store.base import (
    EVENT_COLUMNS,
    LISTED_COLUMNS,
    MAX_COUNT,
    PAYLOAD_JSON,
    PageQuery,
    row_event,
    row_events,
    utc,
)
from egoi_mcp.store.batch import Pending

__all__ = ["RECENT_SQL", "event", "events", "insert", "insert_pipelined", "page_sql"]


_FILTERS: Final = {"email": "lower(email) = lower(%s)", "received_at": "received_at >= %s", "id": "id > %s"}
_SINCE: Final = _FILTERS["received_at"]
_SINCE_BY_IDS: Final = "received_at + interval '0 s' >= %s"  # the same test, which the time index cannot serve
RECENT_SQL: Final = (
    "SELECT count(*) FROM (SELECT 1 FROM egoi_events WHERE account = %s AND received_at >= %s LIMIT %s) AS recent"
)
"""How many of an account's events `since` keeps, counted no further than the third argument: which way
`page_sql` reads them."""


def page_sql(query: PageQuery, *, few_recent: bool = False) -> tuple[str, list[Any]]:
    """One statement for a page and its total: rows of (total, the event's columns...), newest first, or one row
    of (total, NULLs) when the page is empty. The total is counted no further than MAX_COUNT + 1 index entries;
    the page walks the filter's index (each ends in id) down from the cursor: keyset, no OFFSET.

    `since` is the exception, its index being ordered by time: when at most MAX_COUNT events are that recent
    (`few_recent`, from RECENT_SQL), their ids are read from that index and sorted; otherwise the newest ids are
    the recent ones, and the walk down the ids finds them first (the planner, assuming them spread evenly, would
    rather sort thousands of rows from the time index).

    Without `since`, the two LIMITs are written into the statement (integers: the page's size and MAX_COUNT): the
    planner then costs its generic plan as it is and keeps it once psycopg has prepared the statement, at any
    store size. As parameters, it kept it at 10k events and planned every page anew at 1M (0.16 ms each, for the
    same plan). With `since` they stay parameters: a time's value decides the plan (a generic one would scan every
    row when none is that recent).
    """
    where = [_FILTERS.get(column, f"{column} = %s") for column, _ in query.filters]
    args = [value for _, value in query.filters]
    filters = " AND ".join(where) or "true"
    paged, paged_args = (f"{filters} AND id < %s", [*args, query.before]) if query.before else (filters, args)
    timed = any(column == "received_at" for column, _ in query.filters)
    counted, listed = ("%s", "%s") if timed else (str(MAX_COUNT + 1), str(int(query.limit) + 1))
    if few_recent:
        ids = f"SELECT id FROM egoi_events WHERE {paged} ORDER BY id DESC LIMIT {listed}"
        page = f"SELECT {LISTED_COLUMNS} FROM egoi_events WHERE id IN ({ids})"
    else:
        page = (
            f"SELECT {LISTED_COLUMNS} FROM egoi_events WHERE {paged.replace(_SINCE, _SINCE_BY_IDS)} ORDER BY id DESC"
            f" LIMIT {listed}"
        )
    sql = (
        f"SELECT matching.n, page.* FROM (SELECT count(*) AS n FROM (SELECT 1 FROM egoi_events WHERE {filters}"
        f" LIMIT {counted}) AS counted) AS matching LEFT JOIN LATERAL ({page}) AS page ON true ORDER BY page.id DESC"
    )
    if not timed:
        return sql, [*args, *paged_args]
    return sql, [*args, MAX_COUNT + 1, *paged_args, query.limit + 1]


_UPSERT: Final = f"""
WITH existing AS (
    SELECT {EVENT_COLUMNS} FROM egoi_events
    WHERE (account = %(account)s::text AND body_sha256 = %(digest)s::text)
       OR (account = %(account)s::text AND delivery_id = %(delivery_id)s::text)
    ORDER BY id LIMIT 1
), inserted AS (
    INSERT INTO egoi_events (account, trigger, action, list_id, contact_id, email, campaign_id, occurred_at,
                             received_at, payload, body_sha256, delivery_id)
    SELECT %(account)s::text, %(trigger)s::text, %(action)s::text, %(list_id)s::bigint, %(contact_id)s::text,
           %(email)s::text, %(campaign_id)s::text, %(occurred_at)s::timestamptz, %(received_at)s::timestamptz,
           %(payload)s::text, %(digest)s::text, %(delivery_id)s::text
    WHERE NOT EXISTS (SELECT 1 FROM existing)
    ON CONFLICT DO NOTHING RETURNING id
)
SELECT false, NULL::text, id, NULL::text, NULL::text, NULL::bigint, NULL::text, NULL::text, NULL::text,
       NULL::timestamptz, NULL::timestamptz, NULL::text FROM inserted
UNION ALL SELECT true, {EVENT_COLUMNS} FROM existing
"""


async def insert_pipelined(conn: psycopg.AsyncConnection[Any], batch: list[Pending], now: datetime) -> None:
    """Store a batch in one network round trip: one statement per delivery (look up, insert if new), pipelined.

    A delivery that cannot be encoded fails alone, before anything is sent. A database error aborts the whole
    transaction (psycopg raises it): the caller then stores the batch one savepoint at a time (`insert`).
    """
    sent: list[tuple[Pending, dict[str, Any], psycopg.AsyncCursor[Any]]] = []
    async with conn.pipeline():
        for pending in batch:
            try:
                params = _params(pending, now)
            except Exception as exc:
                pending.error = exc
                continue
            cur = conn.cursor()
            await cur.execute(_UPSERT, params)
            sent.append((pending, params, cur))
    for pending, params, cur in sent:
        row = await cur.fetchone()
        if row is None:  # another replica stored the same delivery a moment ago
            existing = await _existing(conn, params["account"], params["digest"], params["delivery_id"])
            if existing is None:
                pending.error = RuntimeError("the delivery conflicted with one that is not there")
            pending.event, pending.duplicate = existing, True
        elif row[0]:
            pending.event, pending.duplicate = event(row[1:]), True
        else:
            pending.event = event((params["account"], row[2], *(params[key] for key in _ROW_KEYS)))


_ROW_KEYS: Final = (
    "trigger", "action", "list_id", "contact_id", "email", "campaign_id", "occurred_at", "received_at", "payload",
)  # fmt: skip


def _params(pending: Pending, now: datetime) -> dict[str, Any]:
    parsed = pending.parsed
    return {
        "account": pending.account,
        "trigger": _text(parsed.trigger),
        "action": _text(parsed.action),
        "list_id": parsed.list_id,
        "contact_id": _text(parsed.contact_id),
        "email": _text(parsed.email),
        "campaign_id": _text(parsed.campaign_id),
        "occurred_at": utc(parsed.occurred_at) if parsed.occurred_at else None,
        "received_at": now,
        "payload": PAYLOAD_JSON.encode(parsed.payload),
        "digest": hashlib.sha256(pending.raw).hexdigest(),
        "delivery_id": _text(parsed.delivery_id),
    }


async def insert(conn: psycopg.AsyncConnection[Any], pending: Pending, now: datetime) -> tuple[Event, bool]:
    """The stored delivery, and whether it was there already (looked up first: a repeat consumes no id)."""
    parsed = pending.parsed
    digest = hashlib.sha256(pending.raw).hexdigest()
    existing = await _existing(conn, pending.account, digest, parsed.delivery_id)
    if existing is not None:
        return existing, True
    row = (
        _text(parsed.trigger),
        _text(parsed.action),
        parsed.list_id,
        _text(parsed.contact_id),
        _text(parsed.email),
        _text(parsed.campaign_id),
        utc(parsed.occurred_at) if parsed.occurred_at else None,
        now,
        PAYLOAD_JSON.encode(parsed.payload),
    )
    cur = await conn.execute(
        "INSERT INTO egoi_events (account, trigger, action, list_id, contact_id, email, campaign_id, occurred_at,"
        " received_at, payload, body_sha256, delivery_id) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT DO NOTHING RETURNING id",
        (pending.account, *row, digest, _text(parsed.delivery_id)),
    )
    inserted = await cur.fetchone()
    if inserted is None:  # another replica stored the same delivery a moment ago
        existing = await _existing(conn, pending.account, digest, parsed.delivery_id)
        if existing is None:
            raise RuntimeError("the delivery conflicted with one that is not there")
        return existing, True
    return event((pending.account, inserted[0], *row)), False


async def _existing(
    conn: psycopg.AsyncConnection[Any], account: str, digest: str, delivery_id: str | None
) -> Event | None:
    cur = await conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM egoi_events WHERE (account = %s AND body_sha256 = %s)"
        " OR (account = %s AND delivery_id = %s) ORDER BY id LIMIT 1",  # each branch one unique index's probe
        (account, digest, account, _text(delivery_id)),
    )
    row = await cur.fetchone()
    return event(row) if row else None


def _text(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; a delivery may (the payload, JSON text, escapes it anyway)."""
    return value.replace("\x00", "") if value is not None and "\x00" in value else value


def event(row: tuple[Any, ...]) -> Event:
    return row_event(row, utc)


def events(rows: Sequence[tuple[Any, ...]]) -> list[Event]:
    return row_events(rows, utc)
