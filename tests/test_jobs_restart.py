"""An import survives a kill -9 (issue 20): a real `egoi-mcp --transport http` process imports a 3,000-row CSV
(20 bad rows) in batches of 100 into the sandbox served over real HTTP; it is SIGKILLed at the worst moment, after
E-goi applied a batch and before its answer arrived; a new process on the same store picks the job up once the
dead one's lease runs out, posts that batch again (E-goi's update mode: the same contacts, the same values) and
the rest, and every good row is in the sandbox exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from mcp import Client

from egoi_mcp.sandbox import create_app
from tests.conftest import call, free_port
from tests.jobs_helpers import HOLD_AT, KEY, HoldAnswer, contacts_csv
from tests.test_replicas import serve

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[1]


def environment(db: Path, egoi_url: str) -> dict[str, str]:
    """Batches of 100, a lease of 2 s; the secrets shared through the store, as replicas share them."""
    env = {**os.environ, "EGOI_MCP_DB": str(db), "EGOI_API_KEY": KEY, "EGOI_BASE_URL": egoi_url}
    env |= {"EGOI_MCP_IMPORT_BATCH_SIZE": "100", "EGOI_MCP_JOBS_LEASE_SECONDS": "2", "EGOI_MCP_LOG_LEVEL": "WARNING"}
    for name in ("EGOI_MCP_SANDBOX", "EGOI_MCP_SEAL_KEY", "EGOI_WEBHOOK_SECRET"):
        env.pop(name, None)
    return env


@contextmanager
def egoi_mcp(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    command = [sys.executable, "-m", "egoi_mcp", "--transport", "http", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"egoi-mcp exited with {process.returncode}"
            assert time.monotonic() < deadline, "egoi-mcp did not become healthy in 60 s"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


async def test_an_import_killed_mid_batch_finishes_with_every_row_once(tmp_path: Path) -> None:
    app = create_app(api_key=KEY)
    sandbox = app.state.sandbox
    gate = HoldAnswer(app)
    text, _ = contacts_csv()
    with serve(gate) as egoi_url:  # type: ignore[arg-type]
        env = environment(tmp_path / "jobs.db", egoi_url)
        with egoi_mcp(env) as (first, url):
            async with Client(f"{url}/mcp") as client:
                preview = await call(client, "egoi_import_contacts", list_id=1, csv=text)
                started = await call(client, "egoi_import_contacts", **preview["call_again_with"])
            job_id = started["summary"].split()[2]
            assert await asyncio.to_thread(gate.applied.wait, 60), "the import never reached its fifth batch"
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        gate.release.set()  # the held answer now goes to a dead socket
        assert gate.imports == HOLD_AT

        with egoi_mcp(env) as (_, url):
            async with Client(f"{url}/mcp", mode="legacy") as client:
                job = await call(client, "egoi_get_job", job_id=job_id, wait=60)
    assert job["status"] == "done" and job["progress"] == {"done": 2980, "total": 2980}
    assert job["invalid"] == 20 and len(job["errors"]) == 20
    assert gate.imports == 30 + 1, "the batch applied but not answered was posted once more, nothing else"
    imported = Counter(c.email for c in sandbox.contacts_of(1) if c.email.startswith("p"))
    assert len(imported) == 2980 and set(imported.values()) == {1}, "every good row exactly once"
