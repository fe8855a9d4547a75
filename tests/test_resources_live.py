"""The event resources' notifications live over real HTTP: a real uvicorn on loopback, a webhook delivery in, a
subscriber or listener hearing of it once, also when another process stored it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import anyio
import httpx
import pytest
import uvicorn
from mcp import Client
from mcp.server import MCPServer
from mcp.shared.subscriptions import ResourceUpdated
from starlette.applications import Starlette
from starlette.routing import Mount

from egoi_mcp.resources import RECENT_URI, EventNotifier
from egoi_mcp.store import SQLiteStore as EventStore
from egoi_mcp.webhooks.receiver import receiver_routes
from tests.heard import Heard
from tests.test_resources import SECRET, _events, add, build, delivery

# resources/subscribe and logging/setLevel are 2025-era requests, deprecated by the 2026 protocol: still served.
pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")]


# --- live over HTTP: a real uvicorn on loopback -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _app(server: MCPServer, notifier: EventNotifier, store: EventStore) -> Starlette:
    mcp_app = server.streamable_http_app()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with server.session_manager.run(), anyio.create_task_group() as tasks:
            tasks.start_soon(notifier.watch, 0.05)
            yield
            tasks.cancel_scope.cancel()

    routes = [*receiver_routes(store, SECRET, notifier.notify), Mount("/", app=mcp_app)]
    return Starlette(routes=routes, lifespan=lifespan)


@contextmanager
def live_server(db: Path) -> Iterator[str]:
    """The MCP endpoint and the receiver, served by uvicorn in a thread with its own event loop and store."""
    store = EventStore(db)
    server, notifier = build(store)
    port = _free_port()
    config = uvicorn.Config(
        _app(server, notifier, store), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvicorn_server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uvicorn_server.should_exit = True
        thread.join(10)


async def post_delivery(base: str, body: bytes) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}/webhooks/egoi/{SECRET}", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 200, response.text
    return response.json()["event_id"]


async def test_legacy_subscriber_hears_of_a_webhook_delivery_over_http(tmp_path: Path) -> None:
    with live_server(tmp_path / "events.db") as base:
        updates = Heard()
        async with Client(f"{base}/mcp", mode="legacy", message_handler=updates) as client:
            await client.subscribe_resource(RECENT_URI)
            await client.subscribe_resource("egoi://events/new_subscriber")
            event_id = await post_delivery(base, delivery("subscription", 1))
            await updates.wait_for("egoi://events/new_subscriber")
            await updates.wait_for(RECENT_URI)
            recent = _events(await client.read_resource(RECENT_URI))
        assert recent[0]["id"] == event_id


async def test_modern_listener_hears_of_a_webhook_delivery_over_http(tmp_path: Path) -> None:
    with live_server(tmp_path / "events.db") as base:
        async with (
            Client(f"{base}/mcp", mode="auto") as client,
            client.listen(resource_subscriptions=[RECENT_URI, "egoi://events/email_clicked"]) as listener,
        ):
            assert client.session.protocol_version == "2026-07-28"
            await post_delivery(base, delivery("email_click", 1))
            seen: set[str] = set()
            with anyio.fail_after(15):
                async for event in listener:
                    assert isinstance(event, ResourceUpdated)
                    seen.add(event.uri)
                    if seen == {RECENT_URI, "egoi://events/email_clicked"}:
                        break


async def test_events_stored_by_another_process_are_notified_once(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    with live_server(db) as base:
        updates = Heard()
        async with (
            EventStore(db) as other_process,
            Client(f"{base}/mcp", mode="legacy", message_handler=updates) as legacy,
            Client(f"{base}/mcp", mode="auto") as modern,
            modern.listen(resource_subscriptions=["egoi://event/2"]) as listener,
        ):
            await legacy.subscribe_resource("egoi://event/1")
            await legacy.subscribe_resource("egoi://event/2")
            assert await post_delivery(base, delivery("unsubscribe", 1)) == "1"  # received here
            await updates.wait_for("egoi://event/1")
            second = await add(other_process, "email_hard_bounce", 2)  # received by another process
            assert second.id == "2"
            await updates.wait_for("egoi://event/2")
            with anyio.fail_after(15):
                event = await anext(aiter(listener))
            assert event == ResourceUpdated(uri="egoi://event/2")
        # The watcher has passed event 1 too (it reads in id order), and did not notify it a second time.
        assert updates.uris.count("egoi://event/1") == 1
        assert updates.uris.count("egoi://event/2") == 1
