"""Event pages at a cost flat in the store's size, on both engines: an index per filter, keyset paging, a total
counted only as far as MAX_COUNT, indexes added to stores made before them, and every edge value refused at the
door with INVALID_ARGUMENT (through a real MCP client, both eras, both engines)."""

from __future__ import annotations

import base64
import functools
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest
from mcp import Client

from egoi_mcp.config import Settings
from egoi_mcp.server import EgoiServer, build_server
from egoi_mcp.store import SQLiteStore, Store
from egoi_mcp.store.base import MAX_COUNT, encode_cursor
from egoi_mcp.store.postgres import PostgresStore
from egoi_mcp.webhooks import parse_delivery
from tests.conftest import ERAS, fails

pytestmark = pytest.mark.anyio

ENGINES = ["sqlite", "postgresql"]
ACTIONS = ("subscription", "email_open", "email_click")


class Clock:
    """The store's clock, moved on by the test: one second per event, like a steady stream."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def delivery(n: int) -> bytes:
    """Event n: contact n % 10 (of list 1 + n % 2), action by n % 3, campaign n % 4 on e-mail actions."""
    action = ACTIONS[n % 3]
    extra = {"campaign_hash": f"camp{n % 4}"} if action != "subscription" else {}
    contact = {"list_id": 1 + n % 2, "contact_id": f"{n % 10:010x}", "email": f"Reader{n % 10}@Example.com"}
    return json.dumps({"action": action, "n": n, **contact, **extra}).encode()


async def fill(store: Store, clock: Clock, count: int, start: int = 0) -> None:
    """Events start .. start + count - 1, one second apart, added together (group commit) ten at a time."""
    for first in range(start, start + count, 10):
        clock.now += timedelta(seconds=1)
        async with anyio.create_task_group() as tasks:
            for n in range(first, min(first + 10, start + count)):
                raw = delivery(n)
                tasks.start_soon(store.add, raw, parse_delivery(raw, "application/json"))


@pytest.fixture
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "events.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def opener(location: str) -> Callable[..., Any]:
    async def open_(**options: Any) -> Store:
        if location.startswith("postgresql://"):
            return await PostgresStore.open(location, **options)
        return SQLiteStore(location, **options)

    return open_


def engines(fn: Any) -> Any:
    return pytest.mark.parametrize("location", ENGINES, indirect=True)(fn)


async def every_page(store: Store, **filters: Any) -> list[str]:
    """Every matching event id, page by page through next_cursor."""
    ids: list[str] = []
    cursor = None
    while True:
        page = await store.page(limit=7, cursor=cursor, **filters)
        ids += [event.id for event in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


@engines
async def test_every_filter_pages_exactly_its_events_newest_first(opener: Callable[..., Any]) -> None:
    clock = Clock()
    store = await opener(clock=clock)
    try:
        await fill(store, clock, 120)
        ids = list(range(1, 121))  # event n is id n + 1
        expected: dict[str, tuple[dict[str, Any], list[int]]] = {
            "trigger": ({"trigger": "email_clicked"}, [i for i in ids if (i - 1) % 3 == 2]),
            "list": ({"list_id": 2}, [i for i in ids if (i - 1) % 2 == 1]),
            "contact": ({"contact_id": f"{3:010x}"}, [i for i in ids if (i - 1) % 10 == 3]),
            "email": ({"email": "READER3@example.com"}, [i for i in ids if (i - 1) % 10 == 3]),
            "campaign": ({"campaign_id": "camp1"}, [i for i in ids if (i - 1) % 3 and (i - 1) % 4 == 1]),
            "since": ({"since": clock.now - timedelta(seconds=4)}, ids[-50:]),
            "after": ({"after": "100"}, ids[100:]),
            "two filters": ({"trigger": "email_opened", "list_id": 1}, [i for i in ids if (i - 1) % 6 == 4]),
        }
        for name, (filters, matching) in expected.items():
            assert await every_page(store, **filters) == [str(i) for i in reversed(matching)], name
            first = await store.page(**filters)
            assert first.total == len(matching), name
    finally:
        await store.close()


@engines
async def test_total_is_exact_up_to_max_count_and_left_out_beyond(opener: Callable[..., Any]) -> None:
    clock = Clock()
    store = await opener(clock=clock)
    try:
        await fill(store, clock, MAX_COUNT)
        page = await store.page(limit=3)
        assert page.total == MAX_COUNT and page.next_cursor is not None
        assert (await store.page(limit=3, cursor=page.next_cursor)).total == MAX_COUNT
        assert (await store.page(trigger="new_subscriber")).total == len(range(0, MAX_COUNT, 3))
        await fill(store, clock, 1, start=MAX_COUNT)
        page = await store.page(limit=3)
        assert page.total is None and len(page.items) == 3  # more than MAX_COUNT match: not counted
        assert (await store.page(after=str(MAX_COUNT - 4))).total == 5
        only = await store.page(contact_id=f"{3:010x}", limit=MAX_COUNT)  # the whole result in one page
        assert only.total == len(only.items) == MAX_COUNT // 10 and only.next_cursor is None
    finally:
        await store.close()


@engines
async def test_since_finds_few_recent_events_and_many(opener: Callable[..., Any]) -> None:
    """Both of `since`'s ways: a few recent events (through its index) and more than MAX_COUNT (down the ids)."""
    clock = Clock()
    store = await opener(clock=clock)
    try:
        size = MAX_COUNT + 30  # ids 1 .. size, ten a second
        await fill(store, clock, size)
        newest = clock.now
        assert [e.id for e in (await store.page(since=newest)).items] == [str(i) for i in range(size, size - 10, -1)]
        few = await store.page(since=newest - timedelta(seconds=1), limit=25, trigger="new_subscriber")
        assert [e.id for e in few.items] == [str(i) for i in range(size, size - 20, -1) if (i - 1) % 3 == 0]
        assert few.total == len(few.items) > 5
        back = (MAX_COUNT + 20) // 10  # more than MAX_COUNT events that recent
        many = await store.page(since=newest - timedelta(seconds=back - 1), limit=5)
        assert [e.id for e in many.items] == [str(i) for i in range(size, size - 5, -1)] and many.total is None
        assert (await store.page(since=newest + timedelta(seconds=1))).items == []
        assert len(await every_page(store, since=newest - timedelta(seconds=back - 1))) == back * 10
    finally:
        await store.close()


def probe_or_background(n: int) -> bytes:
    """Events 0-39 are what the filters look for (the oldest: a scan would have to reach them); the rest match
    none of the filters but the default page, `since` and `after`."""
    if n < 40:
        fields = {"action": "email_click", "list_id": 2, "contact_id": "00000000ff", "campaign_hash": "probe"}
        return json.dumps({**fields, "email": "probe@example.com", "n": n}).encode()
    return json.dumps({"action": "subscription", "list_id": 1, "contact_id": f"{1000 + n:010x}", "n": n}).encode()


def _step(counted: list[int]) -> int:
    counted[0] += 1
    return 0  # go on


async def test_a_sqlite_page_and_an_add_cost_the_same_in_a_store_five_times_larger(tmp_path: Path) -> None:
    """SQLite's virtual machine steps for each filter's page, and for adding a delivery and its repeat, at 1,100
    and at 5,500 events: an index walk of the page's rows, a count stopped at MAX_COUNT and the repeat check's two
    unique-index probes cost the same at both sizes; a scan would cost five times more (deterministic, unlike a
    time)."""
    steps: dict[int, dict[str, int]] = {}
    for size in (1100, 5500):
        clock = Clock()
        async with SQLiteStore(tmp_path / f"{size}.db", max_events=None, max_age_days=None, clock=clock) as store:
            for first in range(0, size, 100):
                clock.now += timedelta(seconds=1)
                async with anyio.create_task_group() as tasks:
                    for raw in map(probe_or_background, range(first, first + 100)):
                        tasks.start_soon(store.add, raw, parse_delivery(raw, "application/json"))
            filters: dict[str, dict[str, Any]] = {
                "default": {}, "trigger": {"trigger": "email_clicked"}, "list": {"list_id": 2},
                "contact": {"contact_id": "00000000ff"}, "email": {"email": "PROBE@example.com"},
                "campaign": {"campaign_id": "probe"}, "since (newest)": {"since": clock.now},
                "since (3 s)": {"since": clock.now - timedelta(seconds=2)}, "after": {"after": str(size - 20)},
                "cursor": {"cursor": encode_cursor(size // 2)},
            }  # fmt: skip
            counted = [0]
            store._db.set_progress_handler(functools.partial(_step, counted), 10)
            steps[size] = {}
            for name, arguments in filters.items():
                counted[0] = 0
                page = await store.page(limit=5, **arguments)
                assert len(page.items) == 5, name
                steps[size][name] = counted[0]
            raw = probe_or_background(size)
            for name in ("add", "add a repeat"):
                counted[0] = 0
                await store.add(raw, parse_delivery(raw, "application/json"))
                steps[size][name] = counted[0]
    for name, small in steps[1100].items():
        assert steps[5500][name] <= small * 1.2 + 20, (name, small, steps[5500][name])


@engines
async def test_a_store_made_before_the_indexes_gets_them_on_open(opener: Callable[..., Any], location: str) -> None:
    clock = Clock()
    store = await opener(clock=clock)
    await fill(store, clock, 30)
    await store.close()
    names = ("by_account_list", "by_account_contact", "by_account_campaign", "by_account_email")
    if location.startswith("postgresql://"):
        with psycopg.connect(location, autocommit=True) as conn:
            for name in (*names, "by_received_at_id"):
                conn.execute(f"DROP INDEX egoi_events_{name}")
            conn.execute("CREATE INDEX egoi_events_by_received_at ON egoi_events (received_at)")  # migration 1's
    else:
        with sqlite3.connect(location) as conn:
            for name in names:
                conn.execute(f"DROP INDEX events_{name}")
    store = await opener(clock=clock)
    try:
        assert [e.id for e in (await store.page(email="reader3@example.com")).items] == ["24", "14", "4"]
    finally:
        await store.close()
    if location.startswith("postgresql://"):
        with psycopg.connect(location, autocommit=True) as conn:
            rows = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'egoi_events'").fetchall()
        present = {row[0] for row in rows}
        assert {f"egoi_events_{name}" for name in (*names, "by_received_at_id")} <= present
        assert "egoi_events_by_received_at" not in present
    else:
        with sqlite3.connect(location) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
        assert {f"events_{name}" for name in names} <= {row[0] for row in rows}


# --- edge values, through a real MCP client ---------------------------------------------------------------


@pytest.fixture(params=[(engine, era) for engine in ENGINES for era in ERAS], ids=lambda p: "-".join(p))
async def edge_client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Client, EgoiServer]]:
    engine, era = request.param
    db = request.getfixturevalue("postgres_url") if engine == "postgresql" else str(tmp_path / "events.db")
    server = build_server(Settings(sandbox=True, db=db, webhook_secret="test-webhook-secret"))
    async with Client(server.mcp, mode=era) as client:
        yield client, server


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


EDGES: list[tuple[dict[str, Any], str]] = [
    ({"list_id": 10**30}, "list_id: expected a number from -2147483648 to 2147483647"),  # at the server's door
    ({"list_id": 2**31}, "list_id: expected a number from -2147483648 to 2147483647"),
    ({"cursor": _cursor(f"ev:{10**30}")}, "cursor is not one this server issued"),
    ({"cursor": _cursor("ev:-5")}, "cursor is not one this server issued"),
    ({"after": "0001-01-01T00:00:00+14:00"}, "ISO date-time within the years 1970 to 9999 (UTC)"),  # no UTC date
    ({"after": "9999-12-31T23:59:59-14:00"}, "ISO date-time within the years 1970 to 9999 (UTC)"),
    ({"after": "1969-12-31T23:59:59Z"}, "after must be a date-time within the years 1970 to 9999"),
    ({"after": "9" * 30}, "after must be an event id"),
    ({"contact": "a\x00b@example.com"}, "contact: the NUL character is not allowed"),
    ({"contact": "ab\x00cd"}, "contact: the NUL character is not allowed"),
    ({"contact": "x" * 321}, "contact must be at most 320 characters, with no NUL character"),
    ({"campaign_id": "h\x00"}, "campaign_id: the NUL character is not allowed"),
]


@pytest.mark.parametrize(("arguments", "says"), EDGES, ids=[repr(a)[:40] for a, _ in EDGES])
async def test_edge_values_are_refused_with_one_clear_line(
    edge_client: tuple[Client, EgoiServer], arguments: dict[str, Any], says: str
) -> None:
    client, _ = edge_client
    text = await fails(client, "egoi_list_events", **arguments)
    assert "INVALID_ARGUMENT" in text and says in text and "\n" not in text, text


async def test_the_widest_values_still_answer(edge_client: tuple[Client, EgoiServer]) -> None:
    client, _ = edge_client
    for arguments in (
        {"list_id": 2**31 - 1}, {"after": "1970-01-01T00:00:00Z"}, {"after": "9999-12-31T23:59:59Z"},
        {"after": "9" * 18}, {"contact": "x" * 320}, {"cursor": _cursor(f"ev:{10**18 - 1}")},
    ):  # fmt: skip
        result = await client.call_tool("egoi_list_events", arguments)
        assert not result.is_error, (arguments, result.content)
        assert result.structured_content is not None and result.structured_content["items"] == []


async def test_a_page_read_never_blocks_the_event_loop_on_a_busy_connection(tmp_path: Path) -> None:
    """A page of one filter is read on the event loop only when the connection is free. While another thread holds
    it (as a commit in progress does), the page waits on a worker thread and the loop keeps serving other tasks."""
    clock = Clock()
    async with SQLiteStore(tmp_path / "events.db", clock=clock) as store:
        await fill(store, clock, 12)
        alone = await store.page(limit=5)  # the connection free: read on the loop
        held, release = threading.Event(), threading.Event()

        def commit_in_progress() -> None:
            with store._lock:  # what a flush holds while it writes and syncs
                held.set()
                release.wait(30)  # a safety net: released by the loop below long before

        holder = threading.Thread(target=commit_in_progress)
        holder.start()
        held.wait()
        order: list[str] = []

        async def read() -> None:
            page = await store.page(limit=5)
            assert page == alone
            order.append("page")

        async def meanwhile() -> None:
            await anyio.sleep(0)
            order.append("loop")
            release.set()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(read)
            tasks.start_soon(meanwhile)
        holder.join()
        assert order == ["loop", "page"]
        assert [e.id for e in alone.items] == [str(n) for n in range(12, 7, -1)]
