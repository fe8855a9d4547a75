"""Memory: resident set size (VmRSS from /proc/PID/status) of a server process.

1. Idle: `egoi-mcp --sandbox` over stdio after `initialize`, `notifications/initialized`, `tools/list` and
   one `egoi_list_lists` call, vs the baseline SDK server after the same (its `ping`). Median of RUNS each.
2. With 100k events: a child process builds the server (sandbox, store bounded by EGOI_MCP_EVENTS_MAX =
   100,000), serves it to an in-process `Client` (legacy era, subscribed to `egoi://events/recent`), then
   stores 100k events. To keep `make bench` within its time budget, BULK of them are written straight into
   the store's SQLite file by a second connection, in one transaction, the way another egoi-mcp process
   sharing the store would add them (the server's watcher reads and notifies them); the last ADDED go
   through the receiver's own path in the server process (`parse_delivery` -> `EventStore.add` -> notify).
   Then the recent-events resource and `egoi_list_events` are read. Reported: RSS before and after, the
   peak (VmHWM), the rows held and the file size. There is no baseline for this one: the baseline stores
   nothing; the figure to watch is the growth.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import PY, clean_env, header, line, median, record, write_baseline

RUNS = 3
EVENTS = 100_000
ADDED = 1_000
BULK = EVENTS - ADDED


def _status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM in KiB."""
    found = {}
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = row.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def _send(proc: subprocess.Popen, message: dict) -> None:
    assert proc.stdin
    proc.stdin.write((json.dumps(message) + "\n").encode())
    proc.stdin.flush()


def _answer(proc: subprocess.Popen, request_id: int) -> dict:
    assert proc.stdout
    while True:
        raw = proc.stdout.readline()
        if not raw:
            raise RuntimeError(f"{proc.args} closed stdout")
        message = json.loads(raw)
        if message.get("id") == request_id:
            if "error" in message or message.get("result", {}).get("isError"):
                raise RuntimeError(f"{proc.args}: {message}")
            return message


def idle_rss(cmd: list[str], env: dict[str, str], tool: str) -> int:
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    try:
        hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}
        _send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello})
        _answer(proc, 1)
        _send(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        _send(proc, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        _answer(proc, 2)
        _send(proc, {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": tool, "arguments": {}}})
        _answer(proc, 3)
        time.sleep(0.3)
        return _status(proc.pid)["VmRSS"]
    finally:
        assert proc.stdin
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _bulk_insert(db: Path, first: int, count: int) -> None:
    """Rows shaped by the store's own table (columns read from it), in one transaction from another connection."""
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(events)") if row[1] != "id"]
        now = datetime.now(UTC).isoformat(timespec="microseconds")

        def rows():
            for i in range(first, first + count):
                payload = json.dumps(_delivery(i), separators=(",", ":"))
                value = {
                    "account": "", "trigger": "email_opened", "action": "email_open", "list_id": 1,
                    "contact_id": f"{i:010x}",
                    "email": f"reader{i}@example.com", "campaign_id": "bench0campaign", "occurred_at": now,
                    "received_at": now, "payload": payload, "body_sha256": hashlib.sha256(payload.encode()).hexdigest(),
                    "delivery_id": f"bench-{i}",
                }  # fmt: skip
                yield tuple(value.get(c) for c in columns)

        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows())
        conn.execute("COMMIT")
    finally:
        conn.close()


def _delivery(i: int) -> dict:
    return {
        "action": "email_open", "list_id": 1, "contact_id": f"{i:010x}", "email": f"reader{i}@example.com",
        "campaign_hash": "bench0campaign", "event_date": "2026-03-01 12:00:00", "delivery_id": f"bench-{i}",
    }  # fmt: skip


async def _settle(limit: float = 60.0) -> None:
    """Wait until the process (every thread) is idle: the server's watcher has read and notified everything."""
    import anyio

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy = time.process_time()
        await anyio.sleep(0.5)
        if time.process_time() - busy < 0.05:
            return


async def _child(directory: Path) -> dict:
    import anyio
    from mcp import Client

    from egoi_mcp.config import Settings
    from egoi_mcp.server import build_server
    from egoi_mcp.webhooks import parse_delivery

    settings = Settings(
        sandbox=True,
        db=directory / "memory.db",
        webhook_secret="bench-secret-0001",
        events_max=EVENTS,
        log_level="WARNING",
    )
    server = build_server(settings)
    async with Client(server.mcp, mode="legacy") as client:
        await client.list_tools()
        await client.call_tool("egoi_list_lists", {})
        await client.subscribe_resource("egoi://events/recent")
        await client.read_resource("egoi://events/recent")
        await anyio.sleep(0.3)
        before = _status()["VmRSS"]
        start = time.perf_counter()
        await anyio.to_thread.run_sync(_bulk_insert, settings.db, 0, BULK)
        store = server.current().store
        for i in range(BULK, EVENTS):
            raw = json.dumps(_delivery(i)).encode()
            event, duplicate = await store.add(raw, parse_delivery(raw, "application/json"))
            assert not duplicate
            await server.current().notifier.notify([event])
        await _settle()  # the watcher's rounds over the bulk rows
        for _ in range(3):
            await client.read_resource("egoi://events/recent")
            await client.call_tool("egoi_list_events", {"limit": 100})
        elapsed = time.perf_counter() - start
        after = _status()
        rows = await anyio.to_thread.run_sync(_count, settings.db)  # a page's total stops counting at 1,000
    size = sum(p.stat().st_size for p in directory.glob("memory.db*"))
    return {"before": before, "after": after["VmRSS"], "peak": after["VmHWM"], "rows": rows, "bytes": size,
            "seconds": elapsed}  # fmt: skip


def run() -> None:
    header("memory: resident set size")
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
        directory = Path(tmp)
        baseline = write_baseline(directory)
        env = clean_env(EGOI_MCP_DB=str(directory / "idle.db"), EGOI_WEBHOOK_SECRET="bench-secret-0001")
        ours = [idle_rss([PY, "-m", "egoi_mcp", "--sandbox"], env, "egoi_list_lists") for _ in range(RUNS)]
        base = [idle_rss([PY, str(baseline)], env, "ping") for _ in range(RUNS)]
        ratio = median(ours) / median(base)
        line(f"idle over stdio after initialize + tools/list + one call, median of {RUNS}:")
        line(f"  egoi-mcp --sandbox {_mib(median(ours))}, baseline MCPServer {_mib(median(base))}, ratio {ratio:.2f}x")
        record("memory", "idle stdio server, RSS", _mib(median(ours)), _mib(median(base)), f"{ratio:.2f}x")

        child = subprocess.run(
            [PY, "-m", "bench.memory", "--child", str(directory)], capture_output=True, text=True,
            env=clean_env(), timeout=300,
        )  # fmt: skip
        if child.returncode != 0:
            raise RuntimeError(f"memory child failed: {child.stderr[-2000:]}")
        found = json.loads(child.stdout.strip().splitlines()[-1])
    growth = found["after"] - found["before"]
    line(
        f"in-process server + client, before events {_mib(found['before'])}; after storing {EVENTS:,} events "
        f"({BULK:,} bulk-written by another connection, {ADDED:,} through EventStore.add + notify, "
        f"{found['seconds']:.1f} s) {_mib(found['after'])} (+{_mib(growth)}), peak {_mib(found['peak'])}; "
        f"{found['rows']:,} events held (EGOI_MCP_EVENTS_MAX={EVENTS:,}), files {found['bytes'] / 2**20:.1f} MiB"
    )
    record(
        "memory", f"after {EVENTS // 1000}k events stored (in-process server+client)", _mib(found["after"]),
        f"{_mib(found['before'])} before", f"+{_mib(growth)}", "", "info",
    )  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        import anyio

        print(json.dumps(anyio.run(_child, Path(sys.argv[2]))))
    else:
        run()
