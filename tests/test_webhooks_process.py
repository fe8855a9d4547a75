"""A real receiver process, killed with SIGKILL mid-flood: every delivery it acknowledged survives."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpx
import pytest

from egoi_mcp.store import SQLiteStore as EventStore
from egoi_mcp.store import open_store

pytestmark = pytest.mark.anyio

SECRET = "process-test-secret-0123456789abcdef"
REPO = Path(__file__).resolve().parents[1]
KILL_AFTER = 80

# The receiver alone, as `egoi-mcp --webhook-listen` serves it: its own process, its own store on the file.
SERVER = """
import sys
import uvicorn
from starlette.applications import Starlette
from egoi_mcp.store import SQLiteStore as EventStore
from egoi_mcp.store import open_store
from egoi_mcp.webhooks.receiver import receiver_routes

db, port, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
app = Starlette(routes=receiver_routes(EventStore(db), secret))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def receiver(db: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port), SECRET], env=env, cwd=REPO)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"the receiver exited with {process.returncode}"
            assert time.monotonic() < deadline, "the receiver did not start"
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield process, f"{url}/webhooks/egoi/{SECRET}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def body(n: int) -> bytes:
    return json.dumps({"action": "email_open", "list_id": 1, "contact_id": f"{n:010x}", "n": n}).encode()


async def test_sigkill_mid_flood_loses_no_acknowledged_event(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    acknowledged: dict[str, int] = {}  # event id -> delivery number
    deliveries = iter(range(400))
    with receiver(db) as (process, url):
        async with httpx.AsyncClient(timeout=10) as http:

            async def sender() -> None:
                for n in deliveries:
                    try:
                        response = await http.post(url, content=body(n), headers={"content-type": "application/json"})
                    except httpx.TransportError:
                        return  # in flight when the process died: E-goi would retry it
                    assert response.status_code == 200
                    acknowledged[response.json()["event_id"]] = n
                    if len(acknowledged) == KILL_AFTER:
                        os.kill(process.pid, signal.SIGKILL)

            async with anyio.create_task_group() as tasks:
                for _ in range(16):  # 16 deliveries in flight at any time
                    tasks.start_soon(sender)
        assert process.wait(10) == -signal.SIGKILL
    assert KILL_AFTER <= len(acknowledged) < 400, "the kill landed mid-flood"

    with receiver(db) as (_, url):  # restarted on the same file
        async with httpx.AsyncClient(timeout=10) as http:
            repeat = await http.post(url, content=body(acknowledged["1"]), headers={"content-type": "application/json"})
            fresh = await http.post(url, content=body(10_000), headers={"content-type": "application/json"})
    assert repeat.json() == {"ok": True, "event_id": "1", "duplicate": True}
    assert fresh.json()["duplicate"] is False

    async with EventStore(db) as store:
        for event_id, n in acknowledged.items():
            event = await store.get(event_id)
            assert event is not None, f"acknowledged event {event_id} was lost"
            assert event.payload["n"] == n
        assert int(fresh.json()["event_id"]) == await store.last_id() > max(map(int, acknowledged))


# Replicas: the receiver on a store opened with open_store (a PostgreSQL URL), in the serving loop.
REPLICA = """
import sys
import anyio
import uvicorn
from starlette.applications import Starlette
from egoi_mcp.store import open_store
from egoi_mcp.webhooks.receiver import receiver_routes

async def main(db, port, secret):
    store = await open_store(db)
    app = Starlette(routes=receiver_routes(store, secret))
    config = uvicorn.Config(app, host="127.0.0.1", port=int(port), log_level="warning", access_log=False)
    await uvicorn.Server(config).serve()

anyio.run(main, *sys.argv[1:])
"""


@contextmanager
def replicas(db: str, count: int) -> Iterator[list[tuple[subprocess.Popen, str]]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    started: list[tuple[subprocess.Popen, str]] = []
    try:
        for _ in range(count):
            port = _free_port()
            process = subprocess.Popen([sys.executable, "-c", REPLICA, db, str(port), SECRET], env=env, cwd=REPO)
            started.append((process, f"http://127.0.0.1:{port}"))
        for process, url in started:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, f"a replica exited with {process.returncode}"
                assert time.monotonic() < deadline, "a replica did not start"
                try:
                    httpx.get(url, timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
        yield [(process, f"{url}/webhooks/egoi/{SECRET}") for process, url in started]
    finally:
        for process, _ in started:
            if process.poll() is None:
                process.kill()
            process.wait(10)


async def test_three_replicas_one_killed_mid_flood_store_every_delivery_exactly_once(postgres_url: str) -> None:
    """Round-robin over three replicas on one PostgreSQL; one gets SIGKILL mid-flood. What it did not
    acknowledge is retried on the others, as E-goi would: every delivery ends up stored exactly once."""
    acknowledged: dict[int, str] = {}  # delivery number -> event id
    total = 300
    with replicas(postgres_url, 3) as running:
        victim = running[1][0]
        urls = [url for _, url in running]
        async with httpx.AsyncClient(timeout=10) as http:
            pending = iter(range(total))

            async def sender(lane: int) -> None:
                for n in pending:
                    for attempt in range(len(urls)):  # round-robin; on a dead replica, E-goi's retry goes on
                        url = urls[(n + attempt + lane) % len(urls)]
                        try:
                            response = await http.post(
                                url, content=body(n), headers={"content-type": "application/json"}
                            )
                        except httpx.TransportError:
                            continue
                        assert response.status_code == 200
                        acknowledged[n] = response.json()["event_id"]
                        break
                    if len(acknowledged) == KILL_AFTER:
                        os.kill(victim.pid, signal.SIGKILL)

            async with anyio.create_task_group() as tasks:
                for lane in range(12):
                    tasks.start_soon(sender, lane)
        assert victim.wait(10) == -signal.SIGKILL
        # E-goi retries a delivery whose answer it did not get, even when it was stored: send them all again.
        async with httpx.AsyncClient(timeout=10) as http:
            for n in range(0, total, 7):
                again = await http.post(urls[0], content=body(n), headers={"content-type": "application/json"})
                assert again.json()["duplicate"] is True and again.json()["event_id"] == acknowledged[n]

    assert sorted(acknowledged) == list(range(total))
    async with await open_store(postgres_url) as store:
        page = await store.page(limit=1000)  # a listing: ids, no payloads (get_many reads them whole)
        stored = [event.payload["n"] for event in await store.get_many([int(e.id) for e in page.items])]
        assert page.total == total and sorted(stored) == list(range(total)), "each delivery stored exactly once"
        for n, event_id in acknowledged.items():
            event = await store.get(event_id)
            assert event is not None and event.payload["n"] == n
