"""One store test-suite, run against both engines: SQLite and a real PostgreSQL (tests/postgres.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest

from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.store import SQLiteStore, Store, StoreError, open_store
from egoi_mcp.store.postgres import PostgresStore
from egoi_mcp.webhooks import parse_delivery
from egoi_mcp.webhooks.secret import webhook_secret

pytestmark = pytest.mark.anyio

ENGINES = ["sqlite", "postgresql"]


def body(n: int, action: str = "subscription", **extra: object) -> bytes:
    return json.dumps(
        {"action": action, "list_id": 1 + n % 2, "contact_id": f"{n:010x}", "email": f"C{n}@Example.com", **extra}
    ).encode()


async def add(store: Store, n: int, action: str = "subscription", **extra: object) -> tuple[Any, bool]:
    raw = body(n, action, **extra)
    return await store.add(raw, parse_delivery(raw, "application/json"))


@pytest.fixture
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "events.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def opener(location: str) -> Callable[..., Any]:
    """Open a store at the test's location, with options (both engines take the same ones)."""

    async def open_(**options: Any) -> Store:
        if location.startswith("postgresql://"):
            return await PostgresStore.open(location, **options)
        return SQLiteStore(location, **options)

    return open_


@pytest.fixture
async def store(opener: Callable[..., Any]) -> AsyncIterator[Store]:
    opened = await opener()
    try:
        yield opened
    finally:
        await opened.close()


def engines(fn: Any) -> Any:
    return pytest.mark.parametrize("location", ENGINES, indirect=True)(fn)


@engines
async def test_open_store_picks_the_engine_by_the_url(location: str) -> None:
    store = await open_store(location, max_events=10, max_age_days=1)
    try:
        assert store.engine == ("postgresql" if location.startswith("postgresql://") else "sqlite")
        assert store.listener_connected in (True, False)
    finally:
        await store.close()


@engines
async def test_add_stores_every_field_and_the_payload(store: Store) -> None:
    raw = body(1, "email_open", campaign_hash="h1", event_date="2026-11-25 10:00:00")
    event, duplicate = await store.add(raw, parse_delivery(raw, "application/json"))
    assert not duplicate and event.id == "1"
    assert (event.trigger, event.action, event.list_id, event.contact_id, event.email, event.campaign_id) == (
        "email_opened", "email_open", 2, "0000000001", "C1@Example.com", "h1",
    )  # fmt: skip
    assert event.occurred_at == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert event.payload == json.loads(raw)
    assert await store.get("1") == event


@engines
async def test_listings_leave_payloads_out_and_get_has_them(store: Store) -> None:
    for n in range(1, 4):
        await add(store, n, "email_open", campaign_hash="h1")
    page, recent = await store.page(), await store.recent()
    assert [e.id for e in page.items] == [e.id for e in recent] == ["3", "2", "1"]
    assert {e.payload for e in (*page.items, *recent)} == {None}  # neither read nor decoded
    whole = await store.get("2")
    assert whole is not None and whole.payload == json.loads(body(2, "email_open", campaign_hash="h1"))
    listed = next(e for e in page.items if e.id == "2")
    assert listed == whole.model_copy(update={"payload": None})  # every other field as stored


@engines
async def test_a_repeated_delivery_is_stored_once_and_uses_no_id(store: Store) -> None:
    first, _ = await add(store, 1)
    again, duplicate = await add(store, 1)
    assert duplicate and again == first
    raw = body(2, delivery_id="d-1")
    await store.add(raw, parse_delivery(raw, "application/json"))
    retry = body(2, delivery_id="d-1", attempt=2)  # another body, the same delivery id
    event, duplicate = await store.add(retry, parse_delivery(retry, "application/json"))
    assert duplicate and event.id == "2"
    third, duplicate = await add(store, 3)
    assert (third.id, duplicate) == ("3", False)
    assert (await store.page()).total == 3


@engines
async def test_concurrent_adds_lose_nothing_and_repeat_nothing(store: Store) -> None:
    results: list[tuple[str, bool]] = []

    async def one(n: int) -> None:
        event, duplicate = await add(store, n % 150)
        results.append((event.id, duplicate))

    async with anyio.create_task_group() as tasks:
        for n in range(200):
            tasks.start_soon(one, n)
    assert sum(not duplicate for _, duplicate in results) == 150
    assert (await store.page()).total == 150


@engines
async def test_page_filters_cursor_and_after(store: Store) -> None:
    for n in range(1, 7):
        await add(store, n, "email_click" if n % 3 == 0 else "subscription")
    assert [e.id for e in (await store.page(trigger="email_clicked")).items] == ["6", "3"]
    assert [e.id for e in (await store.page(list_id=2)).items] == ["5", "3", "1"]
    assert [e.id for e in (await store.page(contact_id="0000000004")).items] == ["4"]
    assert [e.id for e in (await store.page(email="c5@example.COM")).items] == ["5"]
    assert [e.id for e in (await store.page(after="4")).items] == ["6", "5"]
    seen: list[str] = []
    cursor = None
    while True:
        page = await store.page(limit=4, cursor=cursor)
        assert page.total == 6
        seen += [e.id for e in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["6", "5", "4", "3", "2", "1"]
    assert (await store.page(since=datetime.now(UTC) + timedelta(hours=1))).total == 0
    for bad in ({"limit": 0}, {"after": "x"}, {"cursor": "nope"}):
        with pytest.raises(InvalidArgumentError):
            await store.page(**bad)


@engines
async def test_recent_last_id_ids_since_and_get_many(store: Store) -> None:
    assert await store.last_id() == 0
    for n in range(1, 6):
        await add(store, n, "email_send" if n % 2 else "unsubscribe")
    assert [e.id for e in await store.recent(None, limit=3)] == ["5", "4", "3"]
    assert [e.id for e in await store.recent("email_sent")] == ["5", "3", "1"]
    assert await store.last_id() == 5
    assert await store.ids_since(2) == [3, 4, 5]
    assert [e.id for e in await store.get_many([5, 2, 2, 99])] == ["2", "5"]
    assert await store.get("99") is None and await store.get("x") is None


@engines
async def test_bounded_by_count(opener: Callable[..., Any]) -> None:
    store = await opener(max_events=5)
    try:
        for n in range(1, 13):
            await add(store, n)
        page = await store.page(limit=100)
        assert [e.id for e in page.items] == ["12", "11", "10", "9", "8"] and page.total == 5
        assert await store.last_id() == 12
    finally:
        await store.close()


@engines
async def test_bounded_by_age(opener: Callable[..., Any]) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    store = await opener(max_age_days=2, clock=lambda: now[0])
    try:
        await add(store, 1)
        now[0] += timedelta(days=1)
        await add(store, 2)
        now[0] += timedelta(days=1, hours=1)
        await add(store, 3)
        assert [e.id for e in (await store.page()).items] == ["3", "2"]
        now[0] += timedelta(days=30)
        await store.prune()
        assert (await store.page()).total == 0
    finally:
        await store.close()


@engines
async def test_shared_secret_is_created_once_for_everyone(opener: Callable[..., Any]) -> None:
    stores = [await opener() for _ in range(3)]
    try:
        results: list[str] = []

        async def one(store: Store) -> None:
            results.append(await store.shared_secret("webhook"))

        async with anyio.create_task_group() as tasks:
            for store in stores * 3:
                tasks.start_soon(one, store)
        assert len(set(results)) == 1 and len(results[0]) >= 32
        assert await stores[0].shared_secret("seal") != results[0]
        assert await stores[1].shared_secret("webhook", initial="ignored-once-there-is-one") == results[0]
    finally:
        for store in stores:
            await store.close()


@engines
async def test_update_state_is_atomic_across_store_instances(opener: Callable[..., Any]) -> None:
    stores = [await opener() for _ in range(3)]
    try:

        def increment(value: dict[str, Any] | None) -> tuple[dict[str, Any], int]:
            count = (value or {"n": 0})["n"] + 1
            return {"n": count}, count

        async with anyio.create_task_group() as tasks:
            for i in range(60):
                tasks.start_soon(stores[i % 3].update_state, "counter", increment)
        assert await stores[0].update_state("counter", increment) == 61
    finally:
        for store in stores:
            await store.close()


@engines
async def test_a_closed_store_says_so(opener: Callable[..., Any]) -> None:
    store = await opener()
    await store.close()
    await store.close()
    assert store.closed
    with pytest.raises(RuntimeError, match="closed"):
        await store.page()


async def test_the_legacy_webhook_secret_file_is_adopted(tmp_path: Path) -> None:
    """Installs from before the store held the secret keep their registered URL."""
    legacy = "legacy-secret-0123456789abcdef"
    (tmp_path / "events.db.webhook-secret").write_text(legacy + "\n")
    async with SQLiteStore(tmp_path / "events.db") as store:
        assert await webhook_secret(store) == legacy
        assert await webhook_secret(store, "configured-wins-0123456789") == "configured-wins-0123456789"
    async with SQLiteStore(tmp_path / "other.db") as store:
        made = await webhook_secret(store)
        assert made != legacy and await webhook_secret(store) == made


async def test_postgres_refuses_tables_it_did_not_create(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE egoi_events (id int)")
    with pytest.raises(StoreError, match="did not create"):
        await open_store(postgres_url)


async def test_postgres_unreachable_is_one_line(postgres_server: Any) -> None:
    url = f"postgresql://postgres@127.0.0.1:{postgres_server.port}/no_such_database"
    with pytest.raises(StoreError) as info:
        await open_store(url)
    assert "cannot reach PostgreSQL" in str(info.value) and "\n" not in str(info.value)


async def test_postgres_reopens_a_migrated_schema(postgres_url: str) -> None:
    async with await PostgresStore.open(postgres_url) as store:
        await add(store, 1)
    async with await PostgresStore.open(postgres_url) as store:
        assert (await store.page()).total == 1
