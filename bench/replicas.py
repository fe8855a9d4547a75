"""Several replicas on PostgreSQL against one process on SQLite: webhook ingest and cross-process notifications.

Ingest: the same 16 senders post distinct deliveries (a) round-robin over three receiver processes sharing one
PostgreSQL database and (b) to one receiver process on a SQLite file, alternating runs. Each receiver is the
shipped receiver (`receiver_routes` over `open_store`, committing before the 200) on uvicorn, one process each.
PostgreSQL runs durable (fsync on, as a deployment would), from the system's binaries (tests/postgres.py).

Notification latency: a resource update published on one store's bus until another store instance (its own
connections, as another replica or process would have) delivers it to its subscription listeners. PostgreSQL:
LISTEN/NOTIFY (20 ms coalescing window included). SQLite: the watcher polling the file (every 0.5 s).
Goal: PostgreSQL p99 under 250 ms.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

import anyio

from bench import PY, clean_env, free_port, header, line, median, ms, percentile, record, stop, verdict, wait_port
from bench.webhook_ingest import SECRET, _bodies, _sender

SENDERS = 16
WARMUP = 64
RUNS = 3
DELIVERIES = 1200
SAMPLES = 120
GOAL_P99 = 0.250

RECEIVER = """\
import sys
import anyio
import uvicorn
from starlette.applications import Starlette
from egoi_mcp.store import open_store
from egoi_mcp.webhooks.receiver import receiver_routes

async def main(db, secret, port):
    store = await open_store(db)
    app = Starlette(routes=receiver_routes(store, secret))
    config = uvicorn.Config(app, host="127.0.0.1", port=int(port), log_level="warning", access_log=False)
    await uvicorn.Server(config).serve()

anyio.run(main, *sys.argv[1:])
"""


async def _burst(ports: list[int], n: int) -> tuple[float, list[float]]:
    bodies = _bodies(n)
    latencies: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(_sender(ports[i % len(ports)], bodies[i::SENDERS], latencies) for i in range(SENDERS)))
    return n / (time.perf_counter() - start), latencies


def _ingest(directory: Path, pg_url: str) -> None:
    import subprocess

    script = directory / "receiver.py"
    script.write_text(RECEIVER)
    env = clean_env()

    def start(db: str) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        proc = subprocess.Popen([PY, str(script), db, SECRET, str(port)], env=env, stderr=subprocess.DEVNULL)
        return proc, port

    replicas = [start(pg_url) for _ in range(3)]
    single = [start(str(directory / "events.db"))]
    results: dict[str, tuple[list[float], list[float]]] = {"pg": ([], []), "sqlite": ([], [])}
    try:
        for proc, port in replicas + single:
            wait_port(port, proc)
        groups = {"pg": [port for _, port in replicas], "sqlite": [port for _, port in single]}
        for ports in groups.values():
            asyncio.run(_burst(ports, WARMUP))
        for _ in range(RUNS):
            for name, ports in groups.items():
                rate, latencies = asyncio.run(_burst(ports, DELIVERIES))
                results[name][0].append(rate)
                results[name][1].extend(latencies)
    finally:
        for proc, _ in replicas + single:
            stop(proc)
    pg_rate, sqlite_rate = median(results["pg"][0]), median(results["sqlite"][0])
    for label, name in (("3 replicas, PostgreSQL", "pg"), ("1 process, SQLite    ", "sqlite")):
        rates, latencies = results[name]
        line(
            f"{label}: {median(rates):.0f} deliveries/s (runs: {', '.join(f'{r:.0f}' for r in rates)}), "
            f"p50 {ms(percentile(latencies, 50))}, p99 {ms(percentile(latencies, 99))}"
        )
    record(
        "replicas", f"ingest, {SENDERS} senders: 3 replicas on PostgreSQL vs 1 on SQLite", f"{pg_rate:.0f}/s",
        f"{sqlite_rate:.0f}/s", f"{pg_rate / sqlite_rate:.2f}x",
    )  # fmt: skip


async def _latency(first: object, second: object, watch: bool) -> list[float]:
    """Seconds from a publish on `first` until `second`'s listeners hear it (SAMPLES times)."""
    from mcp.server.subscriptions import ResourceUpdated

    from egoi_mcp.resources import EventNotifier
    from egoi_mcp.webhooks import parse_delivery

    heard: dict[str, float] = {}
    arrived = anyio.Event()
    waiting: list[str] = []

    def on_event(event: object) -> None:
        uri = getattr(event, "uri", "")
        if waiting and uri == waiting[0]:
            heard[uri] = time.perf_counter()
            arrived.set()

    sender = EventNotifier(first, first.bus)  # type: ignore[arg-type, attr-defined]
    receiver = EventNotifier(second, second.bus)  # type: ignore[arg-type, attr-defined]
    second.bus.subscribe(on_event)  # type: ignore[attr-defined]
    samples: list[float] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(sender.watch)
        tasks.start_soon(receiver.watch)
        await anyio.sleep(1.0)  # both listening / polling
        for i in range(SAMPLES):
            raw = json.dumps({"action": "email_open", "n": i, "t": time.time()}).encode()
            start = time.perf_counter()
            event, _ = await first.add(raw, parse_delivery(raw, "application/json"))  # type: ignore[attr-defined]
            waiting[:] = [f"egoi://event/{event.id}"]
            arrived = anyio.Event()
            await sender.notify([event])
            with anyio.fail_after(10):
                await arrived.wait()
            samples.append(heard[waiting[0]] - start)
            await anyio.sleep(0.05 if not watch else 0.13)  # spread the samples over the polling interval
        tasks.cancel_scope.cancel()
    del ResourceUpdated
    return samples


async def _notifications(directory: Path, pg_url: str) -> tuple[list[float], list[float]]:
    from egoi_mcp.store import open_store

    a, b = await open_store(pg_url), await open_store(pg_url)
    try:
        pg = await _latency(a, b, watch=False)
    finally:
        await a.close()
        await b.close()
    a, b = await open_store(directory / "notify.db"), await open_store(directory / "notify.db")
    try:
        sqlite = await _latency(a, b, watch=True)
    finally:
        await a.close()
        await b.close()
    return pg, sqlite


def run() -> None:
    from tests.postgres import PostgresServer

    header("replicas: PostgreSQL (3 replicas) vs SQLite (1 process); cross-process notification latency")
    server = PostgresServer(durable=True)
    try:
        with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
            directory = Path(tmp)
            _ingest(directory, server.url(server.create()))
            pg, sqlite = anyio.run(_notifications, directory, server.url(server.create()))
    finally:
        server.stop()
    ok = percentile(pg, 99) < GOAL_P99
    for label, samples in (("PostgreSQL LISTEN/NOTIFY", pg), ("SQLite watcher (0.5 s poll)", sqlite)):
        line(f"notification, {label}: p50 {ms(percentile(samples, 50))}, p99 {ms(percentile(samples, 99))}")
    record(
        "replicas", "cross-process notification p50 / p99 (PostgreSQL vs SQLite watcher)",
        f"{ms(percentile(pg, 50))} / {ms(percentile(pg, 99))}",
        f"{ms(percentile(sqlite, 50))} / {ms(percentile(sqlite, 99))}",
        f"{percentile(pg, 99) / percentile(sqlite, 99):.2f}x (p99)", f"p99 < {ms(GOAL_P99)}", verdict(ok),
    )  # fmt: skip


if __name__ == "__main__":
    run()
