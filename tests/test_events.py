"""The SQLite event store: dedupe, paging, retention, concurrency, and sharing between processes."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.store import SQLiteStore as EventStore
from egoi_mcp.webhooks import parse_delivery

pytestmark = pytest.mark.anyio


def body(n: int, action: str = "subscription", **extra: object) -> bytes:
    return json.dumps(
        {"action": action, "list_id": 1 + n % 2, "contact_id": f"{n:010x}", "email": f"C{n}@Example.com", **extra}
    ).encode()


async def add(store: EventStore, n: int, action: str = "subscription", **extra: object):
    raw = body(n, action, **extra)
    return await store.add(raw, parse_delivery(raw, "application/json"))


async def test_add_stores_every_field_and_the_payload(store: EventStore) -> None:
    raw = body(1, "email_open", campaign_hash="h1", event_date="2026-11-25 10:00:00")
    event, duplicate = await store.add(raw, parse_delivery(raw, "application/json"))
    assert not duplicate
    assert event.id == "1"
    assert (event.trigger, event.action, event.list_id, event.contact_id, event.email, event.campaign_id) == (
        "email_opened",
        "email_open",
        2,
        "0000000001",
        "C1@Example.com",
        "h1",
    )
    assert event.occurred_at == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert event.received_at.tzinfo is not None
    assert abs(event.received_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert event.payload == json.loads(raw)
    assert await store.get("1") == event


async def test_the_same_body_twice_is_stored_once(store: EventStore) -> None:
    first, first_duplicate = await add(store, 1)
    again, again_duplicate = await add(store, 1)
    assert (first_duplicate, again_duplicate) == (False, True)
    assert again == first
    assert (await store.page()).total == 1


async def test_a_retry_with_the_same_delivery_id_is_stored_once(store: EventStore) -> None:
    first, _ = await add(store, 1, delivery_id="d-1", attempt=1)
    retry, duplicate = await add(store, 1, delivery_id="d-1", attempt=2)  # a different body, same delivery
    other, other_duplicate = await add(store, 1, delivery_id="d-2", attempt=1)
    assert duplicate and retry.id == first.id
    assert not other_duplicate and other.id == "2"


async def test_repeats_do_not_use_up_ids(store: EventStore) -> None:
    await add(store, 1)
    await add(store, 1)
    second, _ = await add(store, 2)
    assert second.id == "2"


async def test_get_unknown_or_malformed_ids(store: EventStore) -> None:
    await add(store, 1)
    assert await store.get("2") is None
    assert await store.get("abc") is None
    assert await store.get("") is None
    assert await store.get("9" * 40) is None


async def test_list_is_newest_first_and_cursor_pages_to_older(store: EventStore) -> None:
    for n in range(1, 8):
        await add(store, n)
    seen: list[str] = []
    cursor = None
    while True:
        page = await store.page(limit=3, cursor=cursor)
        assert page.total == 7
        seen += [event.id for event in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["7", "6", "5", "4", "3", "2", "1"]


async def test_after_returns_only_newer_events_for_polling(store: EventStore) -> None:
    for n in range(1, 6):
        await add(store, n)
    page = await store.page(after="3")
    assert [event.id for event in page.items] == ["5", "4"] and page.total == 2 and page.next_cursor is None
    assert (await store.page(after="5")).items == []
    page = await store.page(after="1", limit=2)
    assert [event.id for event in page.items] == ["5", "4"] and page.total == 4
    rest = await store.page(after="1", limit=2, cursor=page.next_cursor)
    assert [event.id for event in rest.items] == ["3", "2"] and rest.next_cursor is None


async def test_filters(store: EventStore) -> None:
    for n in range(1, 7):
        await add(store, n, "email_click" if n % 3 == 0 else "subscription")
    assert [e.id for e in (await store.page(trigger="email_clicked")).items] == ["6", "3"]
    assert [e.id for e in (await store.page(list_id=2)).items] == ["5", "3", "1"]
    assert [e.id for e in (await store.page(contact_id="0000000004")).items] == ["4"]
    assert [e.id for e in (await store.page(email="c5@example.COM")).items] == ["5"]  # case-insensitive
    page = await store.page(trigger="subscription", list_id=1)  # `trigger` takes canonical names
    assert page.items == [] and page.total == 0
    page = await store.page(trigger="new_subscriber", list_id=1)
    assert [e.id for e in page.items] == ["4", "2"] and page.total == 2


async def test_since_compares_with_received_at(tmp_path: Path) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    async with EventStore(tmp_path / "events.db", max_age_days=None, clock=lambda: now[0]) as store:
        for n in range(1, 5):
            now[0] += timedelta(hours=1)
            await add(store, n)
        page = await store.page(since=datetime(2026, 1, 1, 3, tzinfo=UTC))
        assert [e.id for e in page.items] == ["4", "3"]
        naive = await store.page(since=datetime(2026, 1, 1, 3))  # naive means UTC
        assert naive.items == page.items


@pytest.mark.parametrize(
    "kwargs",
    [
        {"limit": 0},
        {"limit": 1001},
        {"after": "x"},
        {"after": "-1"},
        {"cursor": "garbage"},
        {"cursor": "bzox"},  # an offset cursor, as the E-goi listings issue: not ours
    ],
)
async def test_bad_paging_arguments_say_what_to_do(store: EventStore, kwargs: dict) -> None:
    with pytest.raises(InvalidArgumentError):
        await store.page(**kwargs)


async def test_recent(store: EventStore) -> None:
    for n in range(1, 5):
        await add(store, n, "email_send" if n % 2 else "unsubscribe")
    assert [e.id for e in await store.recent(None, limit=3)] == ["4", "3", "2"]
    assert [e.id for e in await store.recent("email_sent")] == ["3", "1"]


async def test_retention_by_count_never_reuses_ids(tmp_path: Path) -> None:
    async with EventStore(tmp_path / "events.db", max_events=5) as store:
        for n in range(1, 13):
            await add(store, n)
        page = await store.page(limit=100)
        assert [e.id for e in page.items] == ["12", "11", "10", "9", "8"] and page.total == 5
        assert await store.get("7") is None
        assert await store.last_id() == 12
        # A pruned body arriving again is new again (it is beyond retention), with a fresh id.
        event, duplicate = await add(store, 1)
        assert not duplicate and event.id == "13"


async def test_retention_by_age(tmp_path: Path) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    path = tmp_path / "events.db"
    async with EventStore(path, max_age_days=2, clock=lambda: now[0]) as store:
        await add(store, 1)
        now[0] += timedelta(days=1)
        await add(store, 2)
        now[0] += timedelta(days=1, hours=1)  # event 1 is now 2 days 1 hour old
        await add(store, 3)
        assert [e.id for e in (await store.page()).items] == ["3", "2"]
        now[0] += timedelta(days=30)
        await store.prune()  # an idle store prunes when asked
        assert (await store.page()).total == 0
    now[0] = datetime(2026, 1, 1, tzinfo=UTC)
    async with EventStore(path, max_age_days=2, clock=lambda: now[0]) as store:
        await add(store, 4)
    now[0] += timedelta(days=3)
    async with EventStore(path, max_age_days=2, clock=lambda: now[0]) as store:  # opening prunes too
        assert (await store.page()).total == 0


async def test_last_id(store: EventStore) -> None:
    assert await store.last_id() == 0
    for n in range(1, 6):
        await add(store, n)
    assert await store.last_id() == 5


async def test_ids_since_and_get_many(store: EventStore) -> None:
    """What the watcher uses: ids first (cheap), whole events only for the ids it has not seen."""
    assert await store.ids_since(0) == []
    for n in range(1, 6):
        await add(store, n)
    assert await store.ids_since(2) == [3, 4, 5]
    assert await store.ids_since(0, limit=2) == [1, 2]
    assert [e.id for e in await store.get_many([5, 2, 2, 99])] == ["2", "5"]  # oldest first, unknown ids left out
    assert await store.get_many([]) == []
    many = await store.get_many(range(1, 2000))  # more ids than one query binds
    assert [e.id for e in many] == ["1", "2", "3", "4", "5"]


async def test_hundreds_of_concurrent_adds_lose_nothing(store: EventStore) -> None:
    results: list[tuple[str, bool]] = []

    async def one(n: int) -> None:
        event, duplicate = await add(store, n % 250)  # 50 repeats among them
        results.append((event.id, duplicate))

    async with anyio.create_task_group() as tasks:
        for n in range(300):
            tasks.start_soon(one, n)
    assert len(results) == 300
    assert sum(duplicate for _, duplicate in results) == 50
    ids = {event_id for event_id, _ in results}
    assert ids == {str(n) for n in range(1, 251)}
    assert (await store.page()).total == 250


async def test_a_delivery_the_database_refuses_fails_alone(store: EventStore) -> None:
    """Concurrent adds share a transaction; one that cannot be stored must not take the others down with it."""
    good = parse_delivery(body(1), "application/json")
    bad = dataclasses.replace(good, payload={"unserializable": {1, 2}})
    outcomes: dict[int, object] = {}

    async def one(n: int) -> None:
        raw = body(n)
        try:
            outcomes[n] = await store.add(raw, bad if n == 10 else parse_delivery(raw, "application/json"))
        except TypeError as exc:
            outcomes[n] = exc

    async with anyio.create_task_group() as tasks:
        for n in range(20):
            tasks.start_soon(one, n)
    assert isinstance(outcomes.pop(10), TypeError)
    assert all(not duplicate for _, duplicate in outcomes.values())  # type: ignore[misc]
    assert (await store.page()).total == 19
    assert sorted(int(event.id) for event, _ in outcomes.values()) == list(range(1, 20))  # type: ignore[misc]


async def test_two_stores_on_one_file_write_concurrently(tmp_path: Path) -> None:
    """Two instances, as two processes would have: both write, each sees the other's events, no lock errors."""
    path = tmp_path / "events.db"
    async with EventStore(path) as a, EventStore(path) as b:
        async with anyio.create_task_group() as tasks:
            for n in range(100):
                tasks.start_soon(add, a if n % 2 else b, n)
            tasks.start_soon(add, a, 5)  # the same body through both: still stored once
            tasks.start_soon(add, b, 5)
        assert (await a.page()).total == (await b.page()).total == 100
        assert await a.last_id() == await b.last_id() == 100


async def test_the_database_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "state" / "events.db"
    async with EventStore(path) as store:
        await add(store, 1)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # FULL: every acknowledged commit is on disk, so it survives a power cut as well as the process dying.
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2


async def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.db")
    await store.close()
    await store.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        await store.page()


def test_bounds_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        EventStore(tmp_path / "a.db", max_events=0)
    with pytest.raises(ValueError):
        EventStore(tmp_path / "b.db", max_age_days=0)
