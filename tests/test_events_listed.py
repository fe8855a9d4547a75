"""An event as `egoi_list_events` lists it: `received_at` only when it is not the second of `occurred_at` (most
deliveries arrive the second they happen); `egoi://event/{id}` keeps both whole. Through a real MCP client in both
protocol eras, on a store filled with a clock of the test's own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mcp.types as types
import pytest
from mcp import Client

from egoi_mcp.server import build_server
from egoi_mcp.store import SQLiteStore as EventStore
from egoi_mcp.webhooks import parse_delivery
from tests.conftest import ERAS, call, make_settings

pytestmark = pytest.mark.anyio

HAPPENED = datetime(2026, 11, 25, 10, tzinfo=UTC)


async def _store(db: Path, *arrivals: tuple[str | None, timedelta]) -> None:
    """One delivery per (event_date, received this long after HAPPENED), stored as the receiver stores them."""
    now = [HAPPENED]
    async with EventStore(db, max_age_days=None, clock=lambda: now[0]) as store:
        for n, (event_date, late) in enumerate(arrivals):
            now[0] = HAPPENED + late
            extra = {"event_date": event_date} if event_date else {}
            raw = json.dumps({"action": "email_open", "list_id": 1, "contact_id": f"{n:010x}", **extra}).encode()
            await store.add(raw, parse_delivery(raw, "application/json"))


@pytest.mark.parametrize("mode", ERAS)
async def test_received_at_is_listed_only_when_it_says_something(tmp_path: Path, mode: str) -> None:
    settings = make_settings(tmp_path)
    await _store(
        settings.db,
        ("2026-11-25 10:00:00", timedelta(milliseconds=400)),  # received the second it happened
        ("2026-11-25 10:00:00", timedelta(seconds=3)),  # received three seconds later
        (None, timedelta(seconds=5)),  # E-goi said no time
        ("2026-11-25 10:00:00", timedelta(microseconds=999_999)),  # the last instant of that second
        ("2026-11-25 10:00:00", timedelta(seconds=1)),  # the first of the next
        ("9999-12-31 23:59:59", timedelta(0)),  # the last second there is: one more would not exist
        ("0001-01-01 00:00:00", timedelta(0)),
    )
    async with Client(build_server(settings).mcp, mode=mode) as client:
        page = await call(client, "egoi_list_events")
        listed = {event["id"]: event for event in page["items"]}
        assert listed["1"]["occurred_at"] == "2026-11-25T10:00:00Z"
        assert "received_at" not in listed["1"]
        late = (listed["2"]["occurred_at"], listed["2"]["received_at"])
        assert late == ("2026-11-25T10:00:00Z", "2026-11-25T10:00:03Z")
        assert "occurred_at" not in listed["3"] and listed["3"]["received_at"] == "2026-11-25T10:00:05Z"
        assert "received_at" not in listed["4"]
        assert listed["5"]["received_at"] == "2026-11-25T10:00:01Z"
        for far, occurred in (("6", "9999-12-31T23:59:59Z"), ("7", "0001-01-01T00:00:00Z")):
            assert (listed[far]["occurred_at"], listed[far]["received_at"]) == (occurred, "2026-11-25T10:00:00Z")

        (whole,) = (await client.read_resource("egoi://event/1")).contents
        assert isinstance(whole, types.TextResourceContents)
        event = json.loads(whole.text)
        assert (event["occurred_at"], event["received_at"]) == ("2026-11-25T10:00:00Z", "2026-11-25T10:00:00.400000Z")
