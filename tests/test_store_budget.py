"""One E-goi budget, whatever the number of processes: three processes sharing a store (SQLite file or
PostgreSQL) with a budget of 10 an hour make at most 10 calls to a counting fake E-goi, and the budget is
kept under a hash of the API key, never the key."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from egoi_mcp.ratelimit import budget_key
from egoi_mcp.store import open_store

pytestmark = pytest.mark.anyio

API_KEY = "budget-test-api-key-0123456789"

WORKER = """
import sys, anyio, httpx
from egoi_mcp.errors import RateLimitError
from egoi_mcp.ratelimit import RateLimiter
from egoi_mcp.store import open_store

async def main(db, url, key, budget, attempts):
    store = await open_store(db)
    limiter = RateLimiter(int(budget), max_wait=0.2, state=store, api_key=key)
    made = 0
    async with httpx.AsyncClient() as http:
        for _ in range(int(attempts)):
            try:
                async with limiter.slot():
                    await limiter.observe((await http.get(url)).headers)
                    made += 1
            except RateLimitError:
                pass
    await store.close()
    print(made)

anyio.run(main, *sys.argv[1:])
"""


class Counting(http.server.BaseHTTPRequestHandler):
    calls = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        with Counting.lock:
            Counting.calls += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def fake_egoi() -> Iterator[str]:
    Counting.calls = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/lists"
    finally:
        server.shutdown()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("budget", [10, 1000])  # 1,000 an hour: each process leases blocks of up to 10
async def test_three_processes_spend_one_budget(
    engine: str, budget: int, request: pytest.FixtureRequest, tmp_path: Path, fake_egoi: str
) -> None:
    db = str(tmp_path / "events.db") if engine == "sqlite" else str(request.getfixturevalue("postgres_url"))
    attempts = str(budget * 2 // 3 + 1)  # together more than the budget
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, db, fake_egoi, API_KEY, str(budget), attempts],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    made = [int(worker.communicate(timeout=120)[0].strip()) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    refilled = 3  # what 1,000 an hour gives back in the seconds the run takes, at most
    assert Counting.calls == sum(made)
    if budget == 10:
        assert Counting.calls == 10  # one request at a time: exactly the budget
    else:  # never more than the budget; a lease left unspent when its process stopped is the only shortfall
        assert budget - 3 * 10 <= Counting.calls <= budget + refilled
    store = await open_store(db)
    try:
        state = await store.update_state(budget_key(API_KEY), lambda value: (value or {}, value))
        assert state is not None and state["tokens"] < 1
        assert API_KEY not in budget_key(API_KEY)
    finally:
        await store.close()
