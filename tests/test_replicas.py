"""Three real `egoi-mcp --transport http` processes on one PostgreSQL database, as a team would deploy them.

Each replica is `python -m egoi_mcp --transport http --port N` with `EGOI_MCP_DB` naming a fresh database, and
E-goi is a small counting fake on 127.0.0.1 (real HTTP). Nothing is shared but the database: the webhook
secret and the seal key are the ones the replicas find in (or create once in) the store, and the webhook URL is
the one `egoi-mcp webhook-url` prints for the operator. Shown here:

- webhooks round-robin over the three, one replica SIGKILLed mid-flood: every acknowledged delivery is stored
  exactly once (read back through a survivor's `egoi_list_events`);
- a subscriber on replica A hears of an event received by replica C, in both protocol eras;
- with `EGOI_RATE_LIMIT_PER_HOUR=10`, the three make 10 calls to E-goi however the tool calls are spread;
- a preview made on A is confirmed on B, and a 2026-era elicitation round crosses replicas behind a
  round-robin proxy.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import mcp.types as types
import pytest
import uvicorn
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.shared.subscriptions import ResourceUpdated
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from egoi_mcp.resources import RECENT_URI
from tests.conftest import free_port
from tests.heard import Heard

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")]

REPO = Path(__file__).resolve().parents[1]
API_KEY = "replicas-test-api-key-0123456789"
TAG = {"tag_id": 7, "name": "vip", "color": "#FF0000"}


@dataclass
class FakeEgoi:
    """What reached E-goi: (method, path) of every request, in order."""

    url: str = ""
    calls: list[tuple[str, str]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def lists(request: Request) -> Response:
            return self._answer(request, {"total_items": 1, "items": [{"list_id": 1, "internal_name": "News"}]})

        async def tags(request: Request) -> Response:
            return self._answer(request, {"total_items": 1, "items": [TAG]})

        async def tag(request: Request) -> Response:
            return self._answer(request, None, 204)

        routes = [Route("/lists", lists), Route("/tags", tags), Route("/tags/{tag_id}", tag, methods=["DELETE"])]
        return Starlette(routes=routes)

    def _answer(self, request: Request, body: Any, status: int = 200) -> Response:
        assert request.headers.get("apikey") == API_KEY
        self.calls.append((request.method, request.url.path))
        return Response(status_code=status) if body is None else JSONResponse(body, status)


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """`app` on real uvicorn in a thread of this process; its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "a helper server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def fake_egoi() -> Iterator[FakeEgoi]:
    fake = FakeEgoi()
    with serve(fake.app()) as url:
        fake.url = url
        yield fake


@dataclass
class Replica:
    process: subprocess.Popen[bytes]
    url: str

    @property
    def mcp(self) -> str:
        return f"{self.url}/mcp"


def environment(db: str, fake: FakeEgoi, **env: str) -> dict[str, str]:
    """What every replica is given: the database, the API key and E-goi's address; nothing else is shared."""
    environ = {
        **os.environ,
        "EGOI_MCP_DB": db,
        "EGOI_API_KEY": API_KEY,
        "EGOI_BASE_URL": fake.url,
        "EGOI_MCP_LOG_LEVEL": "WARNING",
        **env,
    }
    for name in ("EGOI_MCP_SEAL_KEY", "EGOI_WEBHOOK_SECRET", "EGOI_MCP_SANDBOX"):
        environ.pop(name, None)  # shared through the store, not through configuration
    return environ


@contextmanager
def replicas(db: str, fake: FakeEgoi, count: int = 3, **env: str) -> Iterator[list[Replica]]:
    """`count` egoi-mcp HTTP processes on `db`, started together (they race to create the schema and secrets)."""
    environ = environment(db, fake, **env)
    started: list[Replica] = []
    try:
        for _ in range(count):
            port = free_port()
            command = [sys.executable, "-m", "egoi_mcp", "--transport", "http", "--port", str(port)]
            started.append(Replica(subprocess.Popen(command, env=environ, cwd=REPO), f"http://127.0.0.1:{port}"))
        for replica in started:
            _wait_healthy(replica)
        yield started
    finally:
        for replica in started:
            if replica.process.poll() is None:
                replica.process.terminate()
        for replica in started:
            try:
                replica.process.wait(10)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                replica.process.wait(10)


def _wait_healthy(replica: Replica) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert replica.process.poll() is None, f"a replica exited with {replica.process.returncode}"
        assert time.monotonic() < deadline, "a replica did not become healthy in 60 s"
        try:
            health = httpx.get(f"{replica.url}/healthz", timeout=2)
            if health.status_code == 200 and health.json()["store"]["listener_connected"]:
                assert health.json()["store"]["engine"] == "postgresql"
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)


def receiver_path(db: str, fake: FakeEgoi) -> str:
    """The receiver's path, from the URL `egoi-mcp webhook-url` prints for the operator to give E-goi."""
    public = "https://mcp.example.com"
    env = environment(db, fake, EGOI_MCP_PUBLIC_URL=public)
    command = [sys.executable, "-m", "egoi_mcp", "webhook-url"]
    printed = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    url = printed.stdout.strip()
    assert url.startswith(f"{public}/webhooks/egoi/"), printed
    return url.removeprefix(public)


def delivery(n: int, action: str = "email_open") -> bytes:
    return json.dumps({"action": action, "list_id": 1, "contact_id": f"{n:010x}", "n": n}).encode()


async def every_event(url: str) -> list[dict[str, Any]]:
    """Every stored event, through one replica's egoi_list_events (2026 era), page by page."""
    events: list[dict[str, Any]] = []
    cursor: str | None = None
    async with Client(url) as client:
        while True:
            result = await client.call_tool("egoi_list_events", {"limit": 100, "cursor": cursor})
            assert not result.is_error, result.content
            page = result.structured_content
            assert page is not None
            events += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return events


TOTAL = 300
KILL_AFTER = 80


async def test_webhooks_round_robin_with_a_replica_killed_are_stored_exactly_once(
    postgres_url: str, fake_egoi: FakeEgoi
) -> None:
    acknowledged: dict[int, str] = {}  # delivery number -> event id
    with replicas(postgres_url, fake_egoi) as running:
        path = receiver_path(postgres_url, fake_egoi)
        urls = [f"{replica.url}{path}" for replica in running]
        victim = running[1].process
        pending = iter(range(TOTAL))
        async with httpx.AsyncClient(timeout=10) as http:

            async def sender(lane: int) -> None:
                for n in pending:
                    for attempt in range(len(urls)):  # round-robin; what a dead replica did not answer goes on
                        try:
                            response = await http.post(
                                urls[(n + lane + attempt) % len(urls)],
                                content=delivery(n),
                                headers={"content-type": "application/json"},
                            )
                        except httpx.TransportError:
                            continue
                        assert response.status_code == 200, response.text
                        acknowledged[n] = response.json()["event_id"]
                        break
                    if len(acknowledged) == KILL_AFTER:
                        os.kill(victim.pid, signal.SIGKILL)

            async with anyio.create_task_group() as tasks:
                for lane in range(12):
                    tasks.start_soon(sender, lane)
            assert victim.wait(10) == -signal.SIGKILL, "the replica was killed mid-flood"
            # E-goi repeats a delivery whose answer it missed, though it was stored: answered with the first id.
            for n in range(0, TOTAL, 10):
                again = await http.post(urls[n % 2 * 2], content=delivery(n))
                assert again.json() == {"ok": True, "event_id": acknowledged[n], "duplicate": True}

        assert sorted(acknowledged) == list(range(TOTAL))
        events = await every_event(running[2].mcp)  # read back through a survivor
        stored = sorted(int(event["contact_id"], 16) for event in events)
        assert stored == list(range(TOTAL)), "every acknowledged delivery stored exactly once"
        assert {event["id"]: int(event["contact_id"], 16) for event in events} == {
            event_id: n for n, event_id in acknowledged.items()
        }
        for survivor in (running[0], running[2]):
            health = httpx.get(f"{survivor.url}/healthz").json()
            assert health["store"] == {"engine": "postgresql", "listener_connected": True}


async def test_a_subscriber_on_replica_a_hears_of_an_event_received_by_replica_c(
    postgres_url: str, fake_egoi: FakeEgoi
) -> None:
    with replicas(postgres_url, fake_egoi) as (a, _, c):
        path = receiver_path(postgres_url, fake_egoi)
        updates = Heard()
        async with (
            Client(a.mcp, mode="legacy", message_handler=updates) as legacy,
            Client(a.mcp, mode="auto") as modern,
            modern.listen(resource_subscriptions=["egoi://events/new_subscriber"]) as listener,
        ):
            await legacy.subscribe_resource(RECENT_URI)
            async with httpx.AsyncClient() as http:
                received = await http.post(f"{c.url}{path}", content=delivery(1, "subscription"))
            assert received.status_code == 200
            event_id = received.json()["event_id"]
            await updates.wait_for(RECENT_URI)  # 2025 era, on replica A
            with anyio.fail_after(15):
                heard = await anext(aiter(listener))  # 2026 era, on replica A
            assert heard == ResourceUpdated(uri="egoi://events/new_subscriber")
            read = await modern.read_resource(f"egoi://event/{event_id}")  # A reads what C stored
            assert json.loads(read.contents[0].text)["trigger"] == "new_subscriber"  # type: ignore[union-attr]
    assert fake_egoi.calls == []


async def test_three_replicas_with_a_budget_of_10_make_10_calls_to_egoi(postgres_url: str, fake_egoi: FakeEgoi) -> None:
    with replicas(postgres_url, fake_egoi, EGOI_RATE_LIMIT_PER_HOUR="10") as running:
        results: list[types.CallToolResult] = []

        async def calls(url: str, mode: str) -> None:
            async with Client(url, mode=mode) as client:
                for _ in range(5):
                    results.append(await client.call_tool("egoi_list_lists", {}))

        async with anyio.create_task_group() as tasks:
            for replica in running:  # 30 tool calls, both eras, all at once over the three
                for mode in ("auto", "legacy"):
                    tasks.start_soon(calls, replica.mcp, mode)

    assert len(results) == 30
    assert fake_egoi.calls == [("GET", "/lists")] * 10, "one budget of 10 for the three replicas"
    done = [r for r in results if not r.is_error]
    limited = [r.content[0].text for r in results if r.is_error]  # type: ignore[union-attr]
    assert len(done) == 10 and len(limited) == 20
    for text in limited:
        assert text.removeprefix("Error executing tool egoi_list_lists: ").startswith("RATE_LIMITED: "), text
        assert "resets at" in text and "UTC" in text, text


@dataclass
class RoundRobin:
    """A round-robin proxy in front of the replicas, remembering which replica served each MCP request."""

    upstreams: list[str]
    served: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _next: int = 0

    def app(self) -> Starlette:
        clients: list[httpx.AsyncClient] = []

        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with httpx.AsyncClient(timeout=30) as http:  # closed with the proxy: no idle keep-alives left
                clients.append(http)
                yield

        async def forward(request: Request) -> Response:
            index, self._next = self._next, (self._next + 1) % len(self.upstreams)
            body = await request.body()
            if request.method == "POST" and body:
                self.served.append((index, json.loads(body)))
            headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
            url = self.upstreams[index] + request.url.path
            http = clients[0]
            outgoing = http.build_request(request.method, url, headers=headers, content=body)
            upstream = await http.send(outgoing, stream=True)
            hop = ("content-length", "transfer-encoding", "connection")
            kept = {k: v for k, v in upstream.headers.items() if k.lower() not in hop}
            return StreamingResponse(
                upstream.aiter_raw(), upstream.status_code, kept, background=BackgroundTask(upstream.aclose)
            )

        routes = [Route("/{path:path}", forward, methods=["GET", "POST", "DELETE"])]
        return Starlette(routes=routes, lifespan=lifespan)


async def test_a_preview_on_one_replica_is_confirmed_on_another_once(postgres_url: str, fake_egoi: FakeEgoi) -> None:
    with replicas(postgres_url, fake_egoi) as (a, b, c):
        async with Client(a.mcp) as on_a, Client(b.mcp, mode="legacy") as on_b, Client(c.mcp) as on_c:
            preview = await on_a.call_tool("egoi_delete_tag", {"tag_id": 7})
            assert preview.structured_content is not None
            assert preview.structured_content["status"] == "confirmation_required"
            again = preview.structured_content["call_again_with"]
            assert again["confirm"] is True and again["confirm_token"]
            assert ("DELETE", "/tags/7") not in fake_egoi.calls
            answers: list[Any] = []

            async def confirm(on: Client) -> None:  # sealed by A, checked by B and C: one key, one ledger
                answers.append((await on.call_tool("egoi_delete_tag", again)).structured_content)

            async with anyio.create_task_group() as tasks:
                for on in (on_b, on_c, on_b, on_c, on_b):
                    tasks.start_soon(confirm, on)
            later = await on_c.call_tool("egoi_delete_tag", again)  # another client of another replica, later
        assert fake_egoi.calls.count(("DELETE", "/tags/7")) == 1, "five concurrent confirms, one act"
        firsts = [a for a in answers if a and a["summary"] == 'deleted tag "vip" (id 7)']
        assert len(firsts) == 1, answers
        assert later.structured_content is not None
        assert later.structured_content["summary"].startswith("Already done at ")
        assert later.structured_content["summary"].endswith('deleted tag "vip" (id 7)')

        # A 2026-era elicitation round: the input request comes from one replica, the answer goes to the next.
        proxy = RoundRobin([a.url, b.url, c.url])
        asked: list[str] = []

        async def answer(context: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
            asked.append(params.message)
            return types.ElicitResult(action="accept", content={"confirm": True})

        with serve(proxy.app()) as front:
            async with Client(f"{front}/mcp", elicitation_callback=answer) as client:
                fresh = (await client.call_tool("egoi_delete_tag", {"tag_id": 7})).structured_content
                assert fresh is not None
                result = await client.call_tool("egoi_delete_tag", fresh["call_again_with"])
        assert result.structured_content == {"status": "done", "summary": 'deleted tag "vip" (id 7)'}, result.content
        assert asked == ['Allow the assistant to delete tag "vip" (id 7) from the account and every contact?']
        rounds = [(index, body) for index, body in proxy.served if body.get("method") == "tools/call"][1:]
        assert len(rounds) == 2, rounds
        (first, ask), (second, reply) = rounds
        assert "inputResponses" not in ask["params"] and "inputResponses" in reply["params"]
        assert first != second, "the answer went to another replica"
        assert fake_egoi.calls.count(("DELETE", "/tags/7")) == 2


def test_replicas_bound_to_every_interface_ask_for_the_public_url(postgres_url: str, fake_egoi: FakeEgoi) -> None:
    """`--host 0.0.0.0` is no address E-goi can be sent to: without EGOI_MCP_PUBLIC_URL there is no webhook URL
    to print (or to register), and the operator is told what to set."""
    env = environment(postgres_url, fake_egoi, EGOI_MCP_TRANSPORT="http", EGOI_MCP_HOST="0.0.0.0")
    command = [sys.executable, "-m", "egoi_mcp", "webhook-url"]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and done.stdout == ""
    assert "EGOI_MCP_PUBLIC_URL" in done.stderr and "0.0.0.0" not in done.stderr, done.stderr
