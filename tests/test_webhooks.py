"""The webhook receiver: what it stores before its 200, every refusal (nothing stored), and a flood of deliveries
(the trigger table and the parser are test_webhook_parser.py's)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from starlette.applications import Starlette

from egoi_mcp.models import Event
from egoi_mcp.store import SQLiteStore as EventStore
from egoi_mcp.webhooks import (
    TRIGGERS,
)
from egoi_mcp.webhooks.receiver import MAX_BODY_BYTES, receiver_routes
from tests.webhook_bodies import FORM, SANDBOX_BODY, SECRET, SEED_BODY, T0, URL

pytestmark = pytest.mark.anyio


class Recorder:
    """An `on_stored` callback that remembers what it was told."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def __call__(self, events: list[Event]) -> None:
        self.events += events


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def http(store: EventStore, recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=receiver_routes(store, SECRET, recorder))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://egoi-mcp.test") as client:
        yield client


async def stored(store: EventStore) -> int:
    return (await store.page()).total or 0


# --- the receiver: accepted -------------------------------------------------------------------------------


async def test_a_delivery_is_stored_before_the_200(
    http: httpx.AsyncClient, store: EventStore, recorder: Recorder
) -> None:
    response = await http.post(URL, json=SANDBOX_BODY)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "event_id": "1", "duplicate": False}
    event = await store.get("1")
    assert event is not None and event.trigger == "new_subscriber" and event.payload == SANDBOX_BODY
    assert [e.id for e in recorder.events] == ["1"]


_ALIASES = [(name, t.name) for t in TRIGGERS.values() for name in (t.action, *t.aliases, t.seed_name, t.name)]


@pytest.mark.parametrize(("action", "trigger"), [*_ALIASES, ("forget_subscription", "other")])
@pytest.mark.parametrize("encoding", ["json", "form"])
async def test_every_action_name_through_the_receiver(
    http: httpx.AsyncClient, store: EventStore, action: str, trigger: str, encoding: str
) -> None:
    body = {"action": action, "list_id": "4", "contact[email]": "who@x.io", "contact[id]": "00000000aa"}
    if encoding == "json":
        response = await http.post(URL, json={**body, "contact": {"email": "who@x.io", "id": "00000000aa"}})
    else:
        response = await http.post(URL, data=body)
    assert response.status_code == 200
    event = await store.get(response.json()["event_id"])
    assert event is not None
    assert (event.trigger, event.action, event.list_id, event.contact_id) == (trigger, action, 4, "00000000aa")
    assert event.email == "who@x.io"


@pytest.mark.parametrize(
    ("body", "trigger", "contact_id"),
    [(SANDBOX_BODY, "new_subscriber", "8f3a27ef26"), (SEED_BODY, "new_subscriber", "0a1b2c3d4e")],
)
async def test_the_sandbox_and_seed_shapes_through_the_receiver(
    http: httpx.AsyncClient, store: EventStore, body: dict, trigger: str, contact_id: str
) -> None:
    response = await http.post(URL, json=body)
    event = await store.get(response.json()["event_id"])
    assert event is not None and (event.trigger, event.contact_id, event.payload) == (trigger, contact_id, body)
    assert event.occurred_at == T0


async def test_the_secret_as_a_query_parameter(http: httpx.AsyncClient, store: EventStore) -> None:
    response = await http.post("/webhooks/egoi", params={"k": SECRET}, json=SEED_BODY)
    assert response.status_code == 200 and response.json()["event_id"] == "1"
    assert (await store.get("1")).contact_id == "0a1b2c3d4e"  # type: ignore[union-attr]


async def test_form_delivery(http: httpx.AsyncClient, store: EventStore) -> None:
    response = await http.post(URL, data={"action": "email_open", "list_id": "2", "contact[email]": "f@x.io"})
    assert response.status_code == 200
    event = await store.get(response.json()["event_id"])
    assert event is not None and (event.trigger, event.list_id, event.email) == ("email_opened", 2, "f@x.io")


async def test_unknown_action_is_stored_as_other(http: httpx.AsyncClient, store: EventStore) -> None:
    body = {"action": "new_order", "order": {"total": 12.5, "items": [1, 2]}}
    response = await http.post(URL, json=body)
    event = await store.get(response.json()["event_id"])
    assert event is not None and (event.trigger, event.action, event.payload) == ("other", "new_order", body)


async def test_a_repeated_delivery_is_acknowledged_not_stored_again(
    http: httpx.AsyncClient, store: EventStore, recorder: Recorder
) -> None:
    first = await http.post(URL, json=SANDBOX_BODY)
    again = await http.post(URL, json=SANDBOX_BODY)
    retry = await http.post(URL, json={**SANDBOX_BODY, "attempt": 2})  # same delivery_id, different body
    assert first.json() == {"ok": True, "event_id": "1", "duplicate": False}
    assert again.json() == retry.json() == {"ok": True, "event_id": "1", "duplicate": True}
    assert await stored(store) == 1
    assert len(recorder.events) == 1  # subscribers hear of it once


async def test_a_failing_on_stored_does_not_fail_the_delivery(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(events: list[Event]) -> None:
        raise RuntimeError("notifier down")

    app = Starlette(routes=receiver_routes(store, SECRET, broken))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        with caplog.at_level(logging.ERROR, logger="egoi_mcp.webhooks"):
            response = await client.post(URL, json=SANDBOX_BODY)
    assert response.status_code == 200 and await stored(store) == 1
    assert "notifying subscribers of event 1 failed" in caplog.text


async def test_a_store_failure_is_503_so_that_egoi_retries(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.db")
    await store.close()
    app = Starlette(routes=receiver_routes(store, SECRET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(URL, json=SANDBOX_BODY)
    assert response.status_code == 503 and response.json()["ok"] is False


async def test_logs_mask_email_addresses(http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="egoi_mcp.webhooks"):  # one record per event: DEBUG
        await http.post(URL, json={**SANDBOX_BODY, "email": "maria.silva@example.com"})
    assert "webhook event 1: new_subscriber" in caplog.text
    assert "maria.silva@example.com" not in caplog.text and "m***@example.com" in caplog.text


async def test_a_body_of_exactly_the_limit_is_accepted(http: httpx.AsyncClient) -> None:
    body = json.dumps({"action": "subscription", "pad": ""}).encode()
    body = body.replace(b'""', b'"' + b"x" * (MAX_BODY_BYTES - len(body)) + b'"')
    assert len(body) == MAX_BODY_BYTES
    response = await http.post(URL, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200


# --- the receiver: refused, and nothing stored ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("POST", "/webhooks/egoi/wrong-secret", {}),
        ("POST", f"/webhooks/egoi/{SECRET}x", {}),
        ("POST", f"/webhooks/egoi/{SECRET[:-1]}", {}),
        ("POST", "/webhooks/egoi", {}),
        ("POST", "/webhooks/egoi", {"k": ""}),
        ("POST", "/webhooks/egoi", {"k": "wrong"}),
        ("POST", "/webhooks/egoi/", {}),  # redirected to /webhooks/egoi, still without a secret
        ("POST", "/webhooks/egoi/%C3%A9", {}),  # non-ASCII: compared as bytes, no crash
    ],
)
async def test_a_wrong_or_missing_secret_is_404(
    http: httpx.AsyncClient, store: EventStore, recorder: Recorder, method: str, path: str, params: dict
) -> None:
    response = await http.request(method, path, params=params, json=SANDBOX_BODY, follow_redirects=True)
    assert response.status_code == 404
    assert await stored(store) == 0 and recorder.events == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_other_methods_are_refused(http: httpx.AsyncClient, store: EventStore, method: str) -> None:
    response = await http.request(method, URL, json=SANDBOX_BODY if method != "GET" else None)
    assert response.status_code == 405
    assert await stored(store) == 0


async def test_too_large_with_content_length_is_413(http: httpx.AsyncClient, store: EventStore) -> None:
    body = b'{"action": "subscription", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = await http.post(URL, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert await stored(store) == 0


async def test_too_large_without_content_length_is_413(http: httpx.AsyncClient, store: EventStore) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"action": "subscription", "pad": "'
        for _ in range(40):
            yield b"x" * 8192
        yield b'"}'

    response = await http.post(URL, content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert await stored(store) == 0


async def asgi_post(app: Starlette, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> int:
    """Drive the app directly, for requests an HTTP client would not send (a Content-Length that lies)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1234),
        "server": ("egoi-mcp.test", 80),
    }
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    status: list[int] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


async def test_a_content_length_that_lies_cannot_bypass_the_limit(store: EventStore) -> None:
    app = Starlette(routes=receiver_routes(store, SECRET))
    chunks = [b'{"action": "subscription", "pad": "', *[b"x" * 65536] * 5, b'"}']
    status = await asgi_post(app, URL, [(b"content-length", b"100"), (b"content-type", b"application/json")], chunks)
    assert status == 413
    assert await stored(store) == 0


async def test_a_content_length_that_is_not_a_number_is_400(store: EventStore) -> None:
    app = Starlette(routes=receiver_routes(store, SECRET))
    status = await asgi_post(app, URL, [(b"content-length", b"12abc")], [json.dumps(SANDBOX_BODY).encode()])
    assert status == 400
    assert await stored(store) == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"{broken", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"plain words", "text/plain"),
        (b"=", FORM),
    ],
)
async def test_malformed_is_400(http: httpx.AsyncClient, store: EventStore, content: bytes, content_type: str) -> None:
    response = await http.post(URL, content=content, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"]
    assert await stored(store) == 0


def test_an_empty_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="secret"):
        receiver_routes(None, "")  # type: ignore[arg-type]


# --- a flood ----------------------------------------------------------------------------------------------


async def test_a_flood_of_concurrent_deliveries_loses_nothing(
    http: httpx.AsyncClient, store: EventStore, recorder: Recorder
) -> None:
    acknowledged: dict[str, int] = {}

    async def deliver(n: int) -> None:
        body = {"action": "email_open", "list_id": 1, "contact_id": f"{n:010x}", "delivery_id": f"flood-{n}"}
        response = await http.post(URL, json=body)
        assert response.status_code == 200
        acknowledged[response.json()["event_id"]] = n

    async with anyio.create_task_group() as tasks:
        for n in range(300):
            tasks.start_soon(deliver, n)
    assert len(acknowledged) == 300
    for event_id, n in acknowledged.items():
        event = await store.get(event_id)
        assert event is not None and event.contact_id == f"{n:010x}"
    assert await stored(store) == 300
    assert sorted(int(e.id) for e in recorder.events) == list(range(1, 301))
