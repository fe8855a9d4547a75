"""PostgreSQL rows: one delivery in (deduplicated), one event out."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Final

import psycopg

from egoi_mcp.models import Event
from egoi_mcp.store.base import utc
from egoi_mcp.store.batch import Pending

__all__ = ["COLUMNS", "event", "insert"]

COLUMNS: Final = "id, trigger, action, list_id, contact_id, email, campaign_id, occurred_at, received_at, payload"
_PAYLOAD_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


async def insert(conn: psycopg.AsyncConnection[Any], pending: Pending, now: datetime) -> tuple[Event, bool]:
    """The stored delivery, and whether it was there already (looked up first: a repeat consumes no id)."""
    parsed = pending.parsed
    digest = hashlib.sha256(pending.raw).hexdigest()
    existing = await _existing(conn, digest, parsed.delivery_id)
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
        _PAYLOAD_JSON.encode(parsed.payload),
    )
    cur = await conn.execute(
        "INSERT INTO egoi_events (trigger, action, list_id, contact_id, email, campaign_id, occurred_at,"
        " received_at, payload, body_sha256, delivery_id) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT DO NOTHING RETURNING id",
        (*row, digest, _text(parsed.delivery_id)),
    )
    inserted = await cur.fetchone()
    if inserted is None:  # another replica stored the same delivery a moment ago
        existing = await _existing(conn, digest, parsed.delivery_id)
        if existing is None:
            raise RuntimeError("the delivery conflicted with one that is not there")
        return existing, True
    return event((inserted[0], *row)), False


async def _existing(conn: psycopg.AsyncConnection[Any], digest: str, delivery_id: str | None) -> Event | None:
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM egoi_events WHERE body_sha256 = %s OR delivery_id = %s ORDER BY id LIMIT 1",
        (digest, _text(delivery_id)),
    )
    row = await cur.fetchone()
    return event(row) if row else None


def _text(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; a delivery may (the payload, JSON text, escapes it anyway)."""
    return value.replace("\x00", "") if value is not None and "\x00" in value else value


def event(row: tuple[Any, ...]) -> Event:
    id_, trigger, action, list_id, contact_id, email, campaign_id, occurred_at, received_at, payload = row
    return Event(
        id=str(id_),
        trigger=trigger,
        action=action,
        list_id=list_id,
        contact_id=contact_id,
        email=email,
        campaign_id=campaign_id,
        occurred_at=utc(occurred_at) if occurred_at else None,
        received_at=utc(received_at),
        payload=json.loads(payload),
    )
