"""Connections with deadlines, through the real app on a real uvicorn (127.0.0.1 only, a bounded number of sockets).

Slow-loris clients (a full request head, then a body that never comes) must neither pin the connection cap nor
stop `/healthz`, webhook deliveries and tool calls; each is cut by the body deadline. At the cap of 2025-era
sessions, the session idle longest is evicted so a new client is served. The deadlines are shortened for the
test; no assertion depends on timing (socket timeouts only guard against hangs).
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from mcp import Client

from egoi_mcp._uvicorn import DeadlineProtocol
from egoi_mcp.server import build_app, build_server
from tests.conftest import free_port, make_settings

CAP = 40  # connections uvicorn serves at once (production: up to 1,000)
REFUSALS = 3  # slow clients refused before the cap counts as full
HANG_GUARD = 60.0
HOOK = "/webhooks/egoi/test-webhook-secret"
LEGACY = "2025-11-25"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


class QuickDeadlines(DeadlineProtocol):
    head_timeout = 5.0
    body_grace = 1.0
    body_timeout = 3.0


class FillingDeadlines(DeadlineProtocol):
    body_grace = body_timeout = 8.0  # longer than filling the cap takes


class LongDeadlines(DeadlineProtocol):
    head_timeout = body_grace = body_timeout = 60.0  # only the cap can close a connection


@contextmanager
def serving(
    tmp_path: Path, protocol: type[DeadlineProtocol] = QuickDeadlines, cap: int = CAP, **settings: Any
) -> Iterator[str]:
    """The egoi-mcp HTTP app (sandbox) on uvicorn in a thread, with the production protocol and a small cap."""
    port = free_port()
    app = build_app(build_server(make_settings(tmp_path, transport="http", port=port, **settings)))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=protocol, limit_concurrency=cap, log_level="warning",
        log_config=None, timeout_keep_alive=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started:
                break
            threading.Event().wait(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(HANG_GUARD)


def slow_client(base: str, path: str) -> socket.socket:
    """A client that sends a whole request head and one byte of a 10,000-byte body, then nothing."""
    port = int(base.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nContent-Length: 10000\r\n\r\n{"
    )
    sock.sendall(head.encode())
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Read until the server closes the connection (whatever it says first)."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


def fill_with_slow_clients(base: str) -> list[socket.socket]:
    """Slow clients, opened one by one until the server refuses some (the cap is full) or twice the cap is open."""
    held: list[socket.socket] = []
    refused = 0
    while refused < REFUSALS and len(held) < 2 * CAP:
        sock = slow_client(base, "/mcp" if len(held) % 2 else HOOK)
        if select.select([sock], [], [], 0.05)[0]:  # answered at once (503) or closed: refused
            sock.close()
            refused += 1
        else:
            held.append(sock)
    return held


@pytest.mark.anyio
async def test_slow_clients_do_not_pin_the_server(tmp_path: Path) -> None:
    with serving(tmp_path, FillingDeadlines) as base, ExitStack() as stack:
        slow = [stack.enter_context(sock) for sock in fill_with_slow_clients(base)]
        async with httpx.AsyncClient(base_url=base, timeout=HANG_GUARD) as http:
            for _ in range(5):  # each new request finds the cap full of slow clients, and is served
                health = await http.get("/healthz")
                assert health.status_code == 200, health.text
                event = {"action": "email_open", "list_id": 1, "email": "o@example.com"}
                assert (await http.post(HOOK, json=event)).status_code == 200
            async with Client(f"{base}/mcp", mode="auto") as client:
                result = await client.call_tool("egoi_list_lists", {})
                assert not result.is_error, result.content
        # every slow client is cut: by a newcomer needing its place, or by the body deadline
        assert all(closed_by_server(sock) for sock in slow)


def test_at_the_cap_the_connection_waited_on_longest_is_shed(tmp_path: Path) -> None:
    with serving(tmp_path, LongDeadlines, cap=4) as base, ExitStack() as stack:
        slow = []
        for n in range(4):  # one by one, so that the first is the one heard from longest ago
            slow.append(stack.enter_context(slow_client(base, HOOK)))
            assert not select.select([slow[-1]], [], [], 0.05)[0], f"slow client {n} was refused below the cap"
        assert httpx.get(f"{base}/healthz", timeout=HANG_GUARD).status_code == 200
        assert closed_by_server(slow[0]), "the stalest connection made room"
        assert not select.select(slow[1:], [], [], 0)[0], "the others keep their places"


def test_a_body_that_trickles_in_is_cut_and_a_whole_one_is_served(tmp_path: Path) -> None:
    with serving(tmp_path) as base:
        trickle = slow_client(base, HOOK)
        trickle.settimeout(0.5)
        cut = False
        for _ in range(int(HANG_GUARD * 2)):  # one byte every half second: far below the minimum rate
            try:
                if trickle.recv(65536) == b"":
                    cut = True
                    break
            except ConnectionResetError:  # cut with a reset rather than a close: cut all the same
                cut = True
                break
            except TimeoutError:
                try:
                    trickle.sendall(b" ")
                except OSError:
                    cut = True
                    break
        trickle.close()
        assert cut, "a body trickling in must not hold its connection"
        event = {"action": "email_open", "list_id": 1, "email": "o@example.com"}
        assert httpx.post(f"{base}{HOOK}", json=event, timeout=HANG_GUARD).status_code == 200


@pytest.mark.anyio
async def test_at_the_session_cap_the_idle_longest_is_evicted(tmp_path: Path) -> None:
    with serving(tmp_path, max_sessions=3) as base:
        async with httpx.AsyncClient(base_url=base, timeout=HANG_GUARD, headers=MCP_HEADERS) as http:
            sessions = [await open_abandoned_session(http) for _ in range(3)]
            # the newest is used again, so the oldest is the one idle longest
            assert (await ping(http, sessions[2])).status_code == 200
            async with Client(f"{base}/mcp", mode="legacy") as client:  # a fourth session, over the cap
                result = await client.call_tool("egoi_list_lists", {})
                assert not result.is_error, result.content
            assert (await ping(http, sessions[0])).status_code == 404, "the session idle longest was evicted"
            assert (await ping(http, sessions[2])).status_code == 200


async def open_abandoned_session(http: httpx.AsyncClient) -> str:
    init = {
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "gone", "version": "0"}},
    }  # fmt: skip
    opened = await http.post("/mcp", json=init)
    assert opened.status_code == 200, opened.text
    session = opened.headers["mcp-session-id"]
    headers = {"mcp-session-id": session, "mcp-protocol-version": LEGACY}
    done = await http.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers)
    assert done.status_code == 202, done.text
    return session


async def ping(http: httpx.AsyncClient, session: str) -> httpx.Response:
    headers = {"mcp-session-id": session, "mcp-protocol-version": LEGACY}
    return await http.post("/mcp", json={"jsonrpc": "2.0", "id": 7, "method": "ping"}, headers=headers)
