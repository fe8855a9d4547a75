"""The event store per account, on both engines: each event is its account's, repeats are judged within it, every
read is one account's, and a store written before accounts is migrated in place (its events the one account's)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from egoi_mcp.store import SQLiteStore, Store
from egoi_mcp.store.account import account_store
from egoi_mcp.store.pgschema import _MIGRATIONS
from egoi_mcp.store.postgres import PostgresStore
from egoi_mcp.webhooks import parse_delivery

pytestmark = pytest.mark.anyio

A, B = "a" * 32, "b" * 32  # two accounts (fingerprints of two API keys: `jobs.service.account_of`)


def body(n: int, action: str = "subscription") -> bytes:
    return json.dumps(
        {"action": action, "list_id": 1, "contact_id": f"{n:010x}", "email": f"r{n}@example.com"}
    ).encode()


async def add(store: Store, n: int, account: str = "", action: str = "subscription") -> tuple[Any, bool]:
    raw = body(n, action)
    return await store.add(raw, parse_delivery(raw, "application/json"), account=account)


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened: Store = SQLiteStore(tmp_path / "events.db")
    else:
        opened = await PostgresStore.open(request.getfixturevalue("postgres_url"))
    try:
        yield opened
    finally:
        await opened.close()


async def test_the_same_delivery_to_two_accounts_is_two_events_and_a_repeat_within_one(store: Store) -> None:
    first, repeat = await add(store, 1, A)
    assert not repeat and first.account == A
    again, repeat = await add(store, 1, A)
    assert repeat and again.id == first.id
    theirs, repeat = await add(store, 1, B)
    assert not repeat and theirs.id != first.id and theirs.account == B
    single, repeat = await add(store, 1)
    assert not repeat and single.id not in (first.id, theirs.id)


async def test_every_read_is_one_accounts(store: Store) -> None:
    mine = [(await add(store, n, A, "email_open"))[0].id for n in range(3)]
    theirs = [(await add(store, n + 10, B, "email_open"))[0].id for n in range(2)]
    assert [e.id for e in (await store.page(account=A)).items] == mine[::-1]
    assert (await store.page(account=B)).total == 2
    assert (await store.page()).total == 0  # the one account of a single-account server has none of them
    assert [e.id for e in (await store.page(account=B, trigger="email_opened", list_id=1)).items] == theirs[::-1]
    assert (await store.page(account=B, email="r1@example.com")).items == []  # A's contact
    assert (await store.page(account=B, contact_id=f"{1:010x}")).items == []
    assert [e.id for e in (await store.page(account=B, after=mine[0])).items] == theirs[::-1]
    assert [e.id for e in (await store.page(account=A, after=mine[0])).items] == mine[:0:-1]
    paged = await store.page(account=A, limit=2)
    assert [e.id for e in (await store.page(account=A, cursor=paged.next_cursor)).items] == [mine[0]]
    assert await store.get(mine[0], account=B) is None and await store.get(mine[0]) is None
    assert (await store.get(mine[0], account=A)) is not None
    assert [e.id for e in await store.recent(account=B)] == theirs[::-1]
    assert [e.id for e in await store.recent("email_opened", account=A)] == mine[::-1]


async def test_an_accounts_view_reads_and_writes_only_its_events(store: Store) -> None:
    await add(store, 1, B)
    view = account_store(store, A)
    raw = body(2)
    event, _ = await view.add(raw, parse_delivery(raw, "application/json"))
    assert event.account == A
    assert [e.id for e in (await view.page()).items] == [event.id]
    assert [e.id for e in await view.recent()] == [event.id]
    assert await view.get(event.id) is not None and await view.get("1") is None
    assert account_store(store, "") is store  # a single-account server's reads are the store's own
    await view.update_state("shared", lambda _: ("kept", None))  # what is not about events: the store's own
    assert await store.read_state("shared") == "kept"


async def test_a_sqlite_store_of_schema_2_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    async with SQLiteStore(path) as store:
        for n in range(1, 5):
            await add(store, n)
    with sqlite3.connect(path) as db:  # as schema 2 left it: no account, repeats unique over the whole store
        db.execute("CREATE TABLE old AS SELECT * FROM events")
        db.execute("DROP TABLE events")
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, trigger TEXT NOT NULL, action TEXT,"
            " list_id INTEGER, contact_id TEXT, email TEXT, campaign_id TEXT, occurred_at TEXT,"
            " received_at TEXT NOT NULL, payload TEXT NOT NULL, body_sha256 TEXT NOT NULL UNIQUE,"
            " delivery_id TEXT UNIQUE)"
        )
        columns = "id, trigger, action, list_id, contact_id, email, campaign_id, occurred_at, received_at, payload"
        db.execute(f"INSERT INTO events ({columns}, body_sha256, delivery_id) SELECT {columns}, body_sha256,"
                   " delivery_id FROM old WHERE id <> 4")  # fmt: skip
        db.execute("DROP TABLE old")
        db.execute("UPDATE sqlite_sequence SET seq = 4 WHERE name = 'events'")  # event 4 was pruned
        db.execute("PRAGMA user_version = 2")
    async with SQLiteStore(path) as store:
        assert [e.id for e in (await store.page()).items] == ["3", "2", "1"]
        assert (await add(store, 1))[1], "a repeat of the one account's event is still a repeat"
        assert (await add(store, 1, A))[0].id == "5", "another account's is new; pruned ids are never reused"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert db.execute("SELECT count(*) FROM events WHERE account = ''").fetchone()[0] == 3


async def test_a_postgresql_store_of_schema_1_is_migrated_in_place(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:  # as schema 1 left it
        conn.execute("CREATE TABLE egoi_schema (version integer NOT NULL)")
        conn.execute("INSERT INTO egoi_schema (version) VALUES (1)")
        conn.execute(_MIGRATIONS[0])
        for n in range(1, 4):
            conn.execute(
                "INSERT INTO egoi_events (trigger, list_id, email, received_at, payload, body_sha256, delivery_id)"
                " VALUES ('new_subscriber', 1, %s, now(), '{}', %s, NULL)",
                (f"r{n}@example.com", f"digest{n}"),
            )
    async with await PostgresStore.open(postgres_url) as store:
        assert [e.id for e in (await store.page()).items] == ["3", "2", "1"]
        assert (await store.page(account=A)).total == 0
        event, repeat = await add(store, 1, A)
        assert not repeat and event.id == "4"
        assert (await add(store, 1, A))[1] and not (await add(store, 1))[1]
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT version FROM egoi_schema").fetchone() == (2,)
        rows = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'egoi_events'").fetchall()
    indexes = {row[0] for row in rows}
    assert {"egoi_events_by_account_trigger", "egoi_events_by_account_email"} <= indexes
    assert not {"egoi_events_by_trigger", "egoi_events_by_email"} & indexes  # migration 1's, replaced
