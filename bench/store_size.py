"""Event reads against the store's size: one page of every `egoi_list_events` filter at 10k, 100k and 1M events.

Each store is built through the store's own API: `add` with deliveries sent 250 at a time, which group commit
stores in one transaction each (the fastest path the store has, the one a flood of webhooks takes). The stores
are prefixes of one stream: 10k is built, copied, grown to 100k, copied, grown to 1M. The stream has 7 triggers,
5 lists, 1,000 contacts (skewed: the one filtered on has 0.6% of the events) and 100 campaigns, so every
filter fills its page at 10k and its matches grow with the store (the hard case for a count). The store's
clock advances one second per event (a batch shares its commit's time), so `since` one hour back matches 3,750
events and two minutes back 250.
SQLite stores are cached in `.venv/bench-store/` between runs (1M takes minutes to build on 2 cores);
PostgreSQL's are built every run on a throwaway server (fsync off: writes are not measured here), up to
`EGOI_BENCH_PG_MAX` events (default 1M).

The figure: the median time of `store.page(limit=25, filter)` over REPEATS calls per store, interleaved across
sizes, and its ratio against the 10k store in the same run. Goal: <= 1.3x at 100k and 1M, every filter, both
engines. A PostgreSQL page's ~1 ms is mostly the driver's and the pool's; the query itself runs in 0.1-0.25 ms.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio

from bench import REPO, header, line, median, quiet, record, us, verdict

SIZES = (10_000, 100_000, 1_000_000)
BATCH = 250
REPEATS = 40
GOAL = 1.3
CONTACTS, LISTS, CAMPAIGNS = 1000, 5, 100
START = datetime(2026, 1, 1, tzinfo=UTC)
CACHE = REPO / ".venv" / "bench-store" / "v1"
TRIGGERS = (
    ("subscription", "new_subscriber"), ("unsubscription", "new_unsubscriber"), ("email_send", "email_sent"),
    ("email_open", "email_opened"), ("email_click", "email_clicked"), ("email_soft_bounce", "email_soft_bounced"),
    ("email_hard_bounce", "email_hard_bounced"),
)  # fmt: skip
WEIGHTS = (2, 1, 40, 30, 10, 2, 1)  # mostly sends and opens, as an account's stream is


class _Clock:
    """The stores' clock: the builder moves it on by one second per event."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _contact(n: int) -> tuple[str, str]:
    return f"{n * 7919:010x}", f"reader.{n}@example.com"


def _campaign(n: int) -> str:
    return f"{n * 104729:x}".rjust(12, "c")


def _delivery(i: int, rng: random.Random, when: datetime) -> tuple[bytes, Any]:
    from egoi_mcp.webhooks.parser import ParsedDelivery

    action, trigger = rng.choices(TRIGGERS, WEIGHTS)[0]
    contact = int(CONTACTS * rng.random() ** 2)  # skewed: a few contacts act far more often than most
    contact_id, email = _contact(contact)
    list_id = 1 + contact % LISTS  # a contact belongs to one list
    campaign = _campaign(rng.randrange(CAMPAIGNS)) if trigger.startswith("email_") else None
    payload = {
        "action": action, "list_id": list_id, "contact": {"contact_id": contact_id, "email": email},
        "campaign_hash": campaign, "event_date": when.strftime("%Y-%m-%d %H:%M:%S"), "delivery_id": f"bench-{i}",
    }  # fmt: skip
    parsed = ParsedDelivery(trigger, action, list_id, contact_id, email, campaign, when, payload, f"bench-{i}")
    return json.dumps(payload).encode(), parsed


async def _grow(store: Any, clock: _Clock, rng: random.Random, start: int, stop: int) -> None:
    """Add events `start` .. `stop - 1` through `store.add`, BATCH at a time (one group commit each)."""
    for first in range(start, stop, BATCH):
        batch = [_delivery(i, rng, clock.now + timedelta(seconds=i - first)) for i in range(first, stop)[:BATCH]]
        clock.now += timedelta(seconds=len(batch))
        async with anyio.create_task_group() as tg:
            for raw, parsed in batch:
                tg.start_soon(store.add, raw, parsed)


def _filters(size: int, newest: datetime) -> dict[str, dict[str, Any]]:
    from egoi_mcp.store.base import encode_cursor

    contact_id, email = _contact(7)
    return {
        "default page": {},
        "trigger": {"trigger": "email_clicked"},
        "list_id": {"list_id": 3},
        "contact id": {"contact_id": contact_id},
        "contact e-mail": {"email": email.upper()},
        "campaign": {"campaign_id": _campaign(7)},
        "since 1 h (3,750 match)": {"since": newest - timedelta(hours=1)},
        "since 2 min (250 match)": {"since": newest - timedelta(minutes=2)},
        "since now (none match)": {"since": newest + timedelta(seconds=1)},
        "after (polling: 100 newer)": {"after": str(size - 100)},
        "cursor (mid-store page)": {"cursor": encode_cursor(size // 2)},
    }


async def _measure(stores: dict[int, Any], newest: dict[int, datetime]) -> dict[str, dict[int, float]]:
    """The median seconds of one page per filter and size, calls interleaved across sizes."""
    times: dict[str, dict[int, list[float]]] = {}
    for size, store in stores.items():
        for name, arguments in _filters(size, newest[size]).items():
            times.setdefault(name, {})[size] = []
            for _ in range(3):  # warm-up
                await store.page(limit=25, **arguments)
    for _ in range(REPEATS):
        for size, store in stores.items():
            for name, arguments in _filters(size, newest[size]).items():
                began = time.perf_counter()
                page = await store.page(limit=25, **arguments)
                times[name][size].append(time.perf_counter() - began)
                if not page.items and "none" not in name:
                    raise RuntimeError(f"{name} found nothing at {size}: the benchmark's data is wrong")
    return {name: {size: median(samples) for size, samples in by_size.items()} for name, by_size in times.items()}


def built_sqlite(size: int) -> Path | None:
    """The SQLite store of `size` events this benchmark built and kept (for `startup`), or None if it has not."""
    cache = CACHE / "-".join(map(str, SIZES))
    return cache / f"events-{size}.db" if (cache / "complete").exists() else None


async def _sqlite(sizes: tuple[int, ...]) -> tuple[dict[str, dict[int, float]], str]:
    from egoi_mcp.store import SQLiteStore

    cache = CACHE / "-".join(map(str, sizes))
    built = f"cached in {cache.relative_to(REPO)}"
    if not (cache / "complete").exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        began, clock, rng, done = time.perf_counter(), _Clock(), random.Random(22), 0
        work = cache / "work.db"
        for size in sizes:
            store = SQLiteStore(work, max_events=None, max_age_days=None, clock=clock)
            await _grow(store, clock, rng, done, size)
            await store.close()  # the last connection to close checkpoints the WAL into the file
            if work.with_name("work.db-wal").exists():
                raise RuntimeError("the store's WAL outlived its close: the copy would miss events")
            shutil.copyfile(work, cache / f"events-{size}.db")
            done = size
            line(f"  sqlite: {size:,} events built ({time.perf_counter() - began:.0f} s so far)")
        work.unlink()
        (cache / "complete").write_text(json.dumps({"sizes": sizes}))
        built = f"built in {time.perf_counter() - began:.0f} s"
    stores = {size: SQLiteStore(cache / f"events-{size}.db", max_events=None, max_age_days=None) for size in sizes}
    try:
        newest = {size: START + timedelta(seconds=size) for size in sizes}
        return await _measure(stores, newest), built
    finally:
        for store in stores.values():
            await store.close()


async def _postgres(server: Any, sizes: tuple[int, ...]) -> tuple[dict[str, dict[int, float]], str]:
    import psycopg

    from egoi_mcp.store.postgres import PostgresStore

    began, clock, rng, done = time.perf_counter(), _Clock(), random.Random(22), 0
    names: dict[int, str] = {}
    work = server.create()
    for size in sizes:
        store = await PostgresStore.open(server.url(work), max_events=None, max_age_days=None, clock=clock)
        await _grow(store, clock, rng, done, size)
        await store.close()
        done, names[size] = size, f"size_{size}"
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{names[size]}" TEMPLATE "{work}"')
        line(f"  postgresql: {size:,} events built ({time.perf_counter() - began:.0f} s so far)")
    built = f"built in {time.perf_counter() - began:.0f} s"
    for name in names.values():  # what autovacuum does within a minute of such a load
        with psycopg.connect(server.url(name), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE egoi_events")
    stores = {
        size: await PostgresStore.open(server.url(name), max_events=None, max_age_days=None)
        for size, name in names.items()
    }
    try:
        newest = {size: START + timedelta(seconds=size) for size in sizes}
        return await _measure(stores, newest), built
    finally:
        for store in stores.values():
            await store.close()


def _report(engine: str, medians: dict[str, dict[int, float]], built: str) -> None:
    sizes = sorted(next(iter(medians.values())))
    line(f"{engine} ({built}); median of {REPEATS} pages of 25, ratio against {sizes[0]:,} events:")
    for name, by_size in medians.items():
        base = by_size[sizes[0]]
        cells = " | ".join(f"{size:>9,}: {us(by_size[size]):>7} {by_size[size] / base:5.2f}x" for size in sizes)
        worst = max(by_size[size] / base for size in sizes)  # at any size, not only the largest
        line(f"  {name:<28} {cells}  {verdict(worst <= GOAL)}")
        record(
            "store size", f"{engine}: {name}, {sizes[-1]:,} vs {sizes[0]:,} events", us(by_size[sizes[-1]]),
            us(base), f"{by_size[sizes[-1]] / base:.2f}x (worst {worst:.2f}x)", f"<= {GOAL}x", verdict(worst <= GOAL),
        )  # fmt: skip


def run() -> None:
    from tests.postgres import PostgresServer

    quiet()
    header("event reads against the store's size: one page (25) per filter at 10k, 100k and 1M stored events")
    medians, built = anyio.run(_sqlite, SIZES)
    _report("sqlite", medians, built)
    pg_sizes = tuple(size for size in SIZES if size <= int(os.environ.get("EGOI_BENCH_PG_MAX", SIZES[-1])))
    server = PostgresServer()
    try:
        medians, built = anyio.run(_postgres, server, pg_sizes)
    finally:
        server.stop()
    _report("postgresql", medians, built)


if __name__ == "__main__":
    run()
