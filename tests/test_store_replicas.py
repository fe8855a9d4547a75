"""Replicas on one PostgreSQL: a subscriber on one hears of events received by another, in both protocol eras,
and a lost listener connection comes back and has subscribers re-read. Real uvicorn, real PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import psycopg
import pytest
import uvicorn
from mcp import Client
from mcp.server import MCPServer
from mcp.shared.subscriptions import ResourceUpdated
from starlette.applications import Starlette
from starlette.routing import Mount

from egoi_mcp.resources import RECENT_URI, EventNotifier, register_event_resources
from egoi_mcp.store import open_store
from egoi_mcp.store.pgbus import CHANNEL
from egoi_mcp.webhooks.receiver import receiver_routes
from tests.conftest import free_port
from tests.heard import Heard

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")]

SECRET = "replicas-test-secret-0123456789"


@contextmanager
def replica(url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """One replica (MCP endpoint + receiver) in a thread with its own event loop, its own store on `url`."""
    port = free_port()
    state: dict[str, Any] = {}
    ready = threading.Event()

    async def main() -> None:
        store = await open_store(url)
        server = MCPServer("egoi-replica-test", subscriptions=store.bus)
        notifier = EventNotifier(store, store.bus)
        running = SimpleNamespace(store=store, notifier=notifier, account="")  # as the server's lifespan opens it
        register_event_resources(server, lambda: running)
        mcp_app = server.streamable_http_app()

        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with server.session_manager.run(), anyio.create_task_group() as tasks:
                tasks.start_soon(notifier.watch)
                yield
                tasks.cancel_scope.cancel()

        routes = [*receiver_routes(store, SECRET, notifier.notify), Mount("/", app=mcp_app)]
        config = uvicorn.Config(
            Starlette(routes=routes, lifespan=lifespan), host="127.0.0.1", port=port, log_level="warning"
        )
        state["uvicorn"] = uvicorn.Server(config)
        state["store"] = store
        ready.set()
        try:
            await state["uvicorn"].serve()
        finally:
            await store.close()

    thread = threading.Thread(target=anyio.run, args=(main,), daemon=True)
    thread.start()
    assert ready.wait(30), "the replica did not start"
    deadline = time.monotonic() + 20
    while not state["uvicorn"].started or not state["store"].listener_connected:
        assert thread.is_alive() and time.monotonic() < deadline, "the replica did not start listening"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", state
    finally:
        state["uvicorn"].should_exit = True
        thread.join(10)


async def deliver(base: str, n: int, action: str = "email_click") -> str:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}/webhooks/egoi/{SECRET}",
            json={"action": action, "list_id": 1, "contact_id": f"{n:010x}", "email": f"c{n}@example.com"},
        )
    assert response.status_code == 200, response.text
    return str(response.json()["event_id"])


async def test_a_subscriber_on_one_replica_hears_of_events_received_by_another(postgres_url: str) -> None:
    with replica(postgres_url) as (a, _), replica(postgres_url) as (c, _):
        updates = Heard()
        async with (
            Client(f"{a}/mcp", mode="legacy", message_handler=updates) as legacy,
            Client(f"{a}/mcp", mode="auto") as modern,
            modern.listen(resource_subscriptions=["egoi://events/email_clicked"]) as listener,
        ):
            await legacy.subscribe_resource(RECENT_URI)
            event_id = await deliver(c, 1)  # received by replica C
            await updates.wait_for(RECENT_URI)  # heard on replica A, 2025 era
            with anyio.fail_after(15):
                event = await anext(aiter(listener))  # and 2026 era
            assert event == ResourceUpdated(uri="egoi://events/email_clicked")
            read = await legacy.read_resource(f"egoi://event/{event_id}")  # any replica reads any event
            assert read.contents
            await deliver(a, 2)  # received here: notified once, not again through the database
            await updates.wait_for(RECENT_URI, 2)
            await anyio.sleep(0.3)
            assert updates.uris.count(RECENT_URI) == 2


async def test_a_lost_listener_reconnects_and_has_subscribers_re_read(postgres_url: str) -> None:
    with replica(postgres_url) as (a, state):
        updates = Heard()
        async with Client(f"{a}/mcp", mode="legacy", message_handler=updates) as legacy:
            await legacy.subscribe_resource(RECENT_URI)
            with psycopg.connect(postgres_url, autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = %s",
                    (f"LISTEN {CHANNEL}",),
                ).fetchall()
            assert killed, "no listener connection was found"
            await updates.wait_for(RECENT_URI)  # after the gap: re-read the lists
            assert state["store"].listener_connected


async def test_healthz_reports_the_store_engine_and_listener(tmp_path: Path) -> None:
    from tests.test_http import http_app

    async with http_app(tmp_path) as http:
        health = (await http.get("/healthz")).json()
    assert health["store"] == {"engine": "sqlite", "listener_connected": True}
