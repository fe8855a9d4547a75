"""Several replicas on PostgreSQL against one process on SQLite, through the shipped server: every process here is
`egoi-mcp --transport http`, as a deployment runs it.

Ingest: the same 16 senders post distinct deliveries (a) round-robin over three replicas sharing one PostgreSQL
database and (b) to one process on a SQLite file, alternating runs; the stored rows are counted at the end.
PostgreSQL runs durable (fsync on, as a deployment would), from the system's binaries (tests/postgres.py).

Notification latency: from posting a delivery to replica C until a client connected to replica A hears that
`egoi://events/recent` changed, in both protocol eras (a 2026-era `subscriptions/listen` stream and a 2025-era
`resources/subscribe` session). PostgreSQL: LISTEN/NOTIFY (its 20 ms coalescing window included). Baseline:
two processes sharing one SQLite file (the watcher polls it every 0.5 s). Deliveries are spaced at random so
that they land anywhere in the polling interval. Goal: PostgreSQL p99 under 250 ms.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import anyio
import httpx

from bench import PY, clean_env, free_port, header, line, median, ms, percentile, record, stop, verdict
from bench.webhook_ingest import PATH, SECRET, _bodies, _sender

SENDERS = 16
WARMUP = 64
RUNS = 3
DELIVERIES = 1200
SAMPLES = 100
GOAL_P99 = 0.250
RECENT = "egoi://events/recent"


class _Replica:
    """One `egoi-mcp --transport http` process on `db`."""

    def __init__(self, db: str) -> None:
        self.port = free_port()
        env = clean_env(
            EGOI_MCP_DB=db,
            EGOI_WEBHOOK_SECRET=SECRET,
            EGOI_API_KEY="bench-api-key-not-used",
            EGOI_BASE_URL="http://127.0.0.1:9",  # no tool calls E-goi here
            EGOI_MCP_LOG_LEVEL="WARNING",
        )
        command = [PY, "-m", "egoi_mcp", "--transport", "http", "--port", str(self.port)]
        self.proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until /healthz says the server runs and its notification listener is connected."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"egoi-mcp on {self.port} exited with {self.proc.returncode}")
            try:
                health = httpx.get(f"{self.url}/healthz", timeout=2)
                if health.status_code == 200 and health.json()["store"]["listener_connected"]:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"egoi-mcp on {self.port} was not ready within {timeout} s")


async def _burst(ports: list[int], n: int) -> tuple[float, list[float]]:
    bodies = _bodies(n)
    latencies: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(_sender(ports[i % len(ports)], bodies[i::SENDERS], latencies) for i in range(SENDERS)))
    return n / (time.perf_counter() - start), latencies


def _ingest(groups: dict[str, list[_Replica]]) -> dict[str, tuple[list[float], list[float]]]:
    results: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in groups}
    ports = {name: [replica.port for replica in replicas] for name, replicas in groups.items()}
    for name in groups:
        asyncio.run(_burst(ports[name], WARMUP))
    for _ in range(RUNS):
        for name in groups:
            rate, latencies = asyncio.run(_burst(ports[name], DELIVERIES))
            results[name][0].append(rate)
            results[name][1].extend(latencies)
    return results


class _Heard:
    """When the updates of one client arrived."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._changed = anyio.Event()

    def mark(self) -> None:
        self.times.append(time.perf_counter())
        self._changed.set()
        self._changed = anyio.Event()

    async def wait(self, count: int) -> float:
        with anyio.fail_after(10):
            while len(self.times) < count:
                await self._changed.wait()
        return self.times[count - 1]


async def _latency(listener: str, receiver: str, spacing: float) -> tuple[list[float], list[float]]:
    """Seconds from posting to `receiver` until clients of `listener` hear of it: (2026 era, 2025 era)."""
    import mcp.types as types
    from mcp import Client
    from mcp.shared.exceptions import MCPDeprecationWarning

    modern_heard, legacy_heard = _Heard(), _Heard()

    async def on_message(message: object) -> None:
        if isinstance(message, types.ResourceUpdatedNotification) and message.params.uri == RECENT:
            legacy_heard.mark()

    async def consume(stream: object, mark: Callable[[], None]) -> None:
        async for _ in stream:  # type: ignore[attr-defined]
            mark()

    modern_s: list[float] = []
    legacy_s: list[float] = []
    async with (
        Client(f"{listener}/mcp", mode="legacy", message_handler=on_message) as legacy,
        Client(f"{listener}/mcp") as modern,
        modern.listen(resource_subscriptions=[RECENT]) as stream,
        httpx.AsyncClient(timeout=10) as http,
        anyio.create_task_group() as tasks,
    ):
        with warnings.catch_warnings():  # 2025-era clients are measured on purpose
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await legacy.subscribe_resource(RECENT)
        tasks.start_soon(consume, stream, modern_heard.mark)
        await anyio.sleep(1.0)
        for i in range(1, SAMPLES + 1):
            await anyio.sleep(random.uniform(0, spacing))  # land anywhere in a polling interval
            body = json.dumps({"action": "email_open", "list_id": 1, "contact_id": f"n{i}", "t": time.time()})
            start = time.perf_counter()
            response = await http.post(f"{receiver}{PATH}", content=body.encode())
            response.raise_for_status()
            modern_s.append(await modern_heard.wait(i) - start)
            legacy_s.append(await legacy_heard.wait(i) - start)
        tasks.cancel_scope.cancel()
    return modern_s, legacy_s


def _stored_pg(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM egoi_events").fetchone()
    return int(row[0]) if row else 0


def _stored_sqlite(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def _p(samples: list[float]) -> str:
    return f"{ms(percentile(samples, 50))} / {ms(percentile(samples, 99))}"


def run() -> None:
    from tests.postgres import PostgresServer

    header("replicas: egoi-mcp x3 on PostgreSQL vs x1 on SQLite; cross-replica notification latency")
    server = PostgresServer(durable=True)
    started: list[_Replica] = []
    try:
        with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
            sqlite_db = Path(tmp) / "events.db"
            pg_url = server.url(server.create())
            pg = [_Replica(pg_url) for _ in range(3)]
            single = [_Replica(str(sqlite_db))]
            started += pg + single
            for replica in started:
                replica.wait_ready()
            ingest = _ingest({"pg": pg, "sqlite": single})
            stored = {"pg": _stored_pg(pg_url), "sqlite": _stored_sqlite(sqlite_db)}
            second = _Replica(str(sqlite_db))  # another process on the same file, for the watcher's latency
            started.append(second)
            second.wait_ready()
            pg_modern, pg_legacy = anyio.run(_latency, pg[0].url, pg[2].url, 0.1)
            sq_modern, sq_legacy = anyio.run(_latency, second.url, single[0].url, 0.5)
    finally:
        for replica in started:
            stop(replica.proc)
        server.stop()

    sent = WARMUP + RUNS * DELIVERIES
    line(f"ingest: {SENDERS} senders, {WARMUP} warm-up, then {RUNS} runs of {DELIVERIES} deliveries, alternating")
    for label, name in (("3 replicas, PostgreSQL", "pg"), ("1 process, SQLite    ", "sqlite")):
        rates, latencies = ingest[name]
        line(
            f"  {label}: {median(rates):.0f} deliveries/s (runs: {', '.join(f'{r:.0f}' for r in rates)}), "
            f"p50 {ms(percentile(latencies, 50))}, p99 {ms(percentile(latencies, 99))}; {stored[name]}/{sent} stored"
        )
    pg_rate, sqlite_rate = median(ingest["pg"][0]), median(ingest["sqlite"][0])
    record(
        "replicas", f"ingest, {SENDERS} senders: 3 egoi-mcp on PostgreSQL vs 1 on SQLite", f"{pg_rate:.0f}/s",
        f"{sqlite_rate:.0f}/s", f"{pg_rate / sqlite_rate:.2f}x", f"{sent}/{sent} stored each",
        verdict(stored == {"pg": sent, "sqlite": sent}),
    )  # fmt: skip
    line(f"notification, delivery on one process -> client of another ({SAMPLES} samples), p50 / p99:")
    for label, samples in (
        ("PostgreSQL, 2026 listen     ", pg_modern),
        ("PostgreSQL, 2025 subscribe  ", pg_legacy),
        ("SQLite watcher, 2026 listen ", sq_modern),
        ("SQLite watcher, 2025 subscr.", sq_legacy),
    ):
        line(f"  {label}: {_p(samples)}")
    for era, ours, base in (("2026 listen", pg_modern, sq_modern), ("2025 subscribe", pg_legacy, sq_legacy)):
        record(
            "replicas", f"cross-replica notification p50 / p99, {era} (PostgreSQL vs SQLite watcher)", _p(ours),
            _p(base), f"{percentile(ours, 99) / percentile(base, 99):.2f}x (p99)", f"p99 < {ms(GOAL_P99)}",
            verdict(percentile(ours, 99) < GOAL_P99),
        )  # fmt: skip


if __name__ == "__main__":
    run()
