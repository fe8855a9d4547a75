"""The HTTP app through the real Starlette stack: MCP in both eras, bearer auth, Host/Origin, caps, health."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from egoi_mcp.server import build_app, build_server
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:8000"
TOKEN = "a-long-random-token-for-tests-0123456789"


@asynccontextmanager
async def http_app(tmp_path: Path, **overrides: Any) -> AsyncIterator[httpx2.AsyncClient]:
    server = build_server(make_settings(tmp_path, transport="http", **overrides))
    app = build_app(server)
    transport = httpx2.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx2.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tools_over_http_with_bearer(tmp_path: Path, mode: str) -> None:
    async with http_app(tmp_path, auth_token=TOKEN) as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        async with Client(streamable_http_client(f"{BASE}/mcp", http_client=http), mode=mode) as client:
            result = await client.call_tool("egoi_list_lists", {})
            assert not result.is_error
            assert result.structured_content["total"] >= 2


async def test_missing_or_wrong_bearer_is_401(tmp_path: Path) -> None:
    async with http_app(tmp_path, auth_token=TOKEN) as http:
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        assert (await http.post("/mcp", json=body)).status_code == 401
        wrong = await http.post("/mcp", json=body, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert (await http.get("/healthz")).status_code == 200


async def test_foreign_origin_is_403_and_foreign_host_421(tmp_path: Path) -> None:
    async with http_app(tmp_path) as http:
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        evil = await http.post("/mcp", json=body, headers={**headers, "Origin": "http://evil.example"})
        assert evil.status_code == 403
        host = await http.post("/mcp", json=body, headers={**headers, "Host": "evil.example"})
        assert host.status_code == 421


async def test_allowed_host_is_accepted(tmp_path: Path) -> None:
    async with (
        http_app(tmp_path, allowed_hosts=["mcp.example.com"]) as http,
        Client(streamable_http_client("https://mcp.example.com/mcp", http_client=http), mode="legacy") as client,
    ):
        assert (await client.list_tools()).tools


async def test_oversized_mcp_body_is_413(tmp_path: Path) -> None:
    async with http_app(tmp_path) as http:
        huge = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x" * (2 * 1024 * 1024)}}
        response = await http.post(
            "/mcp", content=json.dumps(huge), headers={"Content-Type": "application/json",
                                                        "Accept": "application/json, text/event-stream"},
        )  # fmt: skip
        assert response.status_code == 413


async def test_healthz_and_webhook_route_share_the_app(tmp_path: Path) -> None:
    async with http_app(tmp_path) as http:
        health = (await http.get("/healthz")).json()
        assert health["status"] == "ok" and health["sandbox"] is True
        delivered = await http.post(
            "/webhooks/egoi/test-webhook-secret",
            json={"action": "subscription", "list_id": 1, "contact_id": "8f3a27ef26", "email": "a@example.com"},
        )
        assert delivered.status_code == 200
        assert (await http.post("/webhooks/egoi/wrong", json={"action": "subscription"})).status_code == 404


async def test_idle_legacy_sessions_expire_within_minutes(tmp_path: Path) -> None:
    server = build_server(make_settings(tmp_path, transport="http"))
    build_app(server)
    idle = server.mcp.session_manager.session_idle_timeout
    assert idle is not None and idle <= 5 * 60, "abandoned 2025-era sessions must free their slot in minutes"


async def test_the_receiver_belongs_to_the_lifespan(tmp_path: Path) -> None:
    server = build_server(make_settings(tmp_path, transport="http"))
    app = build_app(server)
    async with app.router.lifespan_context(app):
        store = server.current().store
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE) as http:
            body = {"action": "email_open", "list_id": 1, "email": "o@example.com"}
            assert (await http.post("/webhooks/egoi/test-webhook-secret", json=body)).status_code == 200
    assert store.closed, "the lifespan's end closes the store"
    assert server.runtime is None


def test_a_connection_that_never_finishes_its_head_is_closed() -> None:
    """A slow-loris client (connects, sends half a request head, waits) is disconnected by the head deadline."""
    import socket
    import threading

    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from egoi_mcp._uvicorn import DeadlineProtocol
    from tests.conftest import free_port

    class Quick(DeadlineProtocol):
        head_timeout = 0.5

    async def ok(request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    port = free_port()
    app = Starlette(routes=[Route("/", ok)])
    server = uvicorn.Server(uvicorn.Config(app, port=port, http=Quick, log_level="warning", log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            threading.Event().wait(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=20) as fast:
            fast.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert fast.recv(1024).startswith(b"HTTP/1.1 200"), "a normal request is served"
        with socket.create_connection(("127.0.0.1", port), timeout=20) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the head never ends
            assert slow.recv(1024) == b"", "the server closes the connection instead of waiting forever"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.parametrize("era", ["2025-11-25", "2026-07-28"])
async def test_an_overlong_jsonrpc_id_is_refused_not_echoed(tmp_path: Path, era: str) -> None:
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": era,
    }
    long_id = "x" * 257 + "-never-echoed"
    async with http_app(tmp_path) as http:
        for ident in (long_id, int("9" * 300)):
            body = {"jsonrpc": "2.0", "id": ident, "method": "ping"}
            refused = await http.post("/mcp", content=json.dumps(body), headers=headers)
            assert refused.status_code == 400, refused.text
            error = refused.json()
            assert error["id"] is None and "256" in error["error"]["message"]
            assert "never-echoed" not in refused.text and "9" * 257 not in refused.text
        fair = {"jsonrpc": "2.0", "id": "y" * 256, "method": "tools/list"}
        if era == "2025-11-25":
            fair = {"jsonrpc": "2.0", "id": "y" * 256, "method": "initialize", "params": {
                "protocolVersion": era, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}  # fmt: skip
        answered = await http.post("/mcp", content=json.dumps(fair), headers=headers)
        assert "y" * 256 in answered.text and "longer than" not in answered.text, "an id of 256 is the SDK's to answer"
