"""Health for orchestrators through the real app: `/healthz/live` answers whenever the process does;
`/healthz/ready` says ready only once the store takes writes, PostgreSQL's listener is connected and the E-goi
budget is not spent, and otherwise answers 503 with each reason; `/healthz` answers as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import psycopg
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from egoi_mcp.config import Settings
from egoi_mcp.sandbox import create_app
from egoi_mcp.server import EgoiServer, build_app, build_server
from tests.conftest import call, make_settings

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:8000"


@asynccontextmanager
async def running(server: EgoiServer) -> AsyncIterator[httpx2.AsyncClient]:
    app = build_app(server)
    async with app.router.lifespan_context(app), _http(app) as http:
        yield http


def _http(app: Any) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE)


async def _until(http: httpx2.AsyncClient, wanted: Any) -> dict[str, Any]:
    """Poll `/healthz/ready` until `wanted(status, body)` holds (an orchestrator's probe, repeated)."""
    with anyio.fail_after(60):
        while True:
            response = await http.get("/healthz/ready")
            if wanted(response.status_code, response.json()):
                return dict(response.json())
            await anyio.sleep(0.1)


async def test_live_answers_before_the_lifespan_and_ready_says_why_not(tmp_path: Path) -> None:
    server = build_server(make_settings(tmp_path, transport="http"))
    async with _http(build_app(server)) as http:  # the app, its lifespan not entered: the store is not open yet
        live = await http.get("/healthz/live")
        ready = await http.get("/healthz/ready")
        old = await http.get("/healthz")
    assert live.status_code == 200 and live.json()["status"] == "alive"
    assert ready.status_code == 503 and ready.json()["status"] == "not_ready"
    assert "starting" in ready.json()["reasons"][0]
    assert old.status_code == 503 and old.json()["status"] == "starting"


async def test_ready_on_sqlite_and_healthz_as_before(tmp_path: Path) -> None:
    async with running(build_server(make_settings(tmp_path, transport="http"))) as http:
        ready = await http.get("/healthz/ready")
        live = await http.get("/healthz/live")
        health = (await http.get("/healthz")).json()
    assert ready.status_code == 200 and ready.json()["status"] == "ready" and ready.json()["store"] == "sqlite"
    assert live.status_code == 200
    assert health["status"] == "ok" and health["store"] == {"engine": "sqlite", "listener_connected": True}


async def test_a_spent_budget_is_not_ready(tmp_path: Path) -> None:
    egoi = httpx.ASGITransport(app=create_app(api_key="health-key", rate_limit=1))  # E-goi: one call an hour
    settings = Settings(
        api_key="health-key", base_url="http://egoi.test", transport="http", db=tmp_path / "events.db",
        webhook_secret="test-webhook-secret",
    )  # fmt: skip
    async with running(build_server(settings, transport=egoi)) as http:
        assert (await http.get("/healthz/ready")).status_code == 200
        async with Client(streamable_http_client(f"{BASE}/mcp", http_client=http)) as client:
            await call(client, "egoi_list_lists")  # E-goi's headers say the account's budget is spent
        ready = await http.get("/healthz/ready")
        assert (await http.get("/healthz/live")).status_code == 200, "alive all the same"
    assert ready.status_code == 503
    assert ready.json()["reasons"] == [
        "the E-goi request budget is spent: tools would fail with RATE_LIMITED until it refills"
    ]


async def test_postgresql_ready_then_not_when_the_database_refuses_then_ready_again(postgres_url: str) -> None:
    settings = Settings(sandbox=True, transport="http", db=postgres_url, webhook_secret="test-webhook-secret")
    database = postgres_url.rpartition("/")[2]
    admin = postgres_url.rpartition("/")[0] + "/postgres"
    async with running(build_server(settings)) as http:
        body = await _until(http, lambda status, _: status == 200)
        assert body["store"] == "postgresql"
        with psycopg.connect(admin, autocommit=True) as conn:  # the database goes away under the server
            conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))
        down = await _until(
            http, lambda status, body: status == 503 and len(body["reasons"]) == 2
        )  # both: the store and the listener
        assert (await http.get("/healthz/live")).status_code == 200
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await _until(http, lambda status, _: status == 200)
    store, listener = down["reasons"]
    assert store.startswith("the store (postgresql) cannot be written")
    assert listener.startswith("the PostgreSQL listener is not connected")
