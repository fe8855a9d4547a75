"""Resilience: a misbehaving E-goi (429 bursts, 5xx, timeouts, slow, malformed or HTML bodies) seen through a real
MCP client, in both protocol eras.

E-goi is mocked with respx (it patches httpx, the upstream client; the MCP client's own traffic is in-process).
What must hold: every failure is an `isError` result whose text says what to do; the server keeps serving and a
later call succeeds once E-goi recovers; reads are retried; a send is attempted at most once; the API key never
appears in any result. The limiter and backoff are made instant (no backoff, a fake monotonic clock), and there
are no timed assertions: `anyio.fail_after` only guards against hangs.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx
from mcp import Client

from egoi_mcp.config import Settings
from egoi_mcp.ratelimit import RateLimiter
from egoi_mcp.server import EgoiServer, build_server

pytestmark = pytest.mark.anyio

API_KEY = "test-key"
BASE = "https://api.egoiapp.com"
ERAS = ["auto", "legacy"]
HANG_GUARD = 30  # seconds; generous, only so that a hang fails instead of blocking the suite

CAMPAIGN = "c0ffee1234"
SEGMENT = "seg_1"
CONTACT = "8f3a27ef26"
SEND_PATH = f"/campaigns/email/{CAMPAIGN}/actions/send"

# Words that tell the reader what to do next; every error text must contain one.
ADVICE = ("try again", "retry", "check", "wait", "resets", "later", "raise egoi_rate_limit_per_hour")

LISTS = {"total_items": 1, "items": [{"list_id": 1, "internal_name": "Newsletter", "public_name": "Acme Weekly"}]}
CAMPAIGNS = {
    "total_items": 1,
    "items": [{"campaign_hash": CAMPAIGN, "internal_name": "Spring", "title": "Spring sale", "list_id": 1}],
}
SEGMENTS = {"total_items": 1, "items": [{"segment_id": SEGMENT, "name": "Readers", "type": "saved"}]}
CONTACT_BODY = {"base": {"contact_id": CONTACT, "email": "ana@example.com", "status": "active"}, "tags": []}
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
    f"<p>upstream said: Apikey {API_KEY} was not accepted</p></body></html>"
)


class Clock:
    """A monotonic clock the test moves by hand: the limiter's waits pass without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def server(tmp_path: Path, clock: Clock) -> AsyncIterator[EgoiServer]:
    settings = Settings(
        api_key=API_KEY,
        base_url=BASE,
        db=tmp_path / "e.db",
        webhook_secret="resilience-secret",
        default_list_id=1,
        sandbox=False,
    )
    # retry_backoff=0: reads retry at once, so no test sleeps through a backoff
    yield build_server(settings, limiter=RateLimiter(10_000, max_wait=5, clock=clock), retry_backoff=0)


@pytest.fixture
def egoi() -> respx.MockRouter:
    """E-goi, healthy: every route answers normally until a test makes it fail."""
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.get("/lists", name="lists").respond(200, json=LISTS)
        mock.get("/campaigns", name="campaigns").respond(200, json=CAMPAIGNS)
        mock.get("/lists/1/segments", name="segments").respond(200, json=SEGMENTS)
        mock.get(f"/lists/1/contacts/segment/{SEGMENT}", name="segment_contacts").respond(
            200, json={"total_items": 42, "items": [CONTACT_BODY]}
        )
        mock.get(f"/lists/1/contacts/{CONTACT}", name="contact").respond(200, json=CONTACT_BODY)
        mock.post("/lists/1/contacts", name="create_contact").respond(201, json={"contact_id": CONTACT})
        mock.post(SEND_PATH, name="send").respond(200, json={"result": "success"})
        yield mock


@pytest.fixture(params=ERAS)
async def client(request: pytest.FixtureRequest, server: EgoiServer) -> AsyncIterator[Client]:
    async with Client(server.mcp, mode=request.param) as c:
        yield c


# --- failures, as E-goi or the network would produce them -------------------------------------------------------


def rate_limited() -> httpx.Response:
    return httpx.Response(429, json={"type": "about:blank", "title": "Too Many Requests", "status": 429})


def rate_limited_with_headers(reset: int = 3600) -> httpx.Response:
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    return httpx.Response(429, headers=headers, json={"title": "Too Many Requests", "status": 429})


def server_error(status: int = 500) -> httpx.Response:
    # E-goi's problem body, echoing the key as a careless upstream might: it must be scrubbed.
    return httpx.Response(status, json={"title": "Internal Server Error", "detail": f"failure for key {API_KEY}"})


def html_error(status: int = 502) -> httpx.Response:
    return httpx.Response(status, text=HTML_PAGE, headers={"Content-Type": "text/html"})


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout(f"read timed out (Apikey {API_KEY})", request=request)


TRANSIENT: dict[str, Callable[..., Any]] = {
    "429": rate_limited,
    "500": lambda: server_error(500),
    "503": lambda: server_error(503),
    "html-502": html_error,
    "timeout": lambda: timeout,
}


def failing(kind: str) -> Any:
    """A respx side effect for one failure of `kind` (a response, or a callable raising)."""
    made = TRANSIENT[kind]()
    return made


# --- helpers ------------------------------------------------------------------------------------------------------


async def call(client: Client, name: str, **arguments: Any) -> Any:
    with anyio.fail_after(HANG_GUARD):
        result = await client.call_tool(name, arguments)
    text = "".join(getattr(c, "text", "") for c in result.content)
    assert API_KEY not in text and API_KEY not in json.dumps(result.structured_content or {}), text
    return result


async def ok(client: Client, name: str, **arguments: Any) -> dict[str, Any]:
    result = await call(client, name, **arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def fails(client: Client, name: str, **arguments: Any) -> str:
    result = await call(client, name, **arguments)
    assert result.is_error, result.structured_content
    text = result.content[0].text
    assert text.strip(), "an error must say something"
    assert any(advice in text.lower() for advice in ADVICE), f"not actionable: {text}"
    assert "Traceback" not in text, text
    assert re.search(r"\b[A-Z][A-Z_]+: ", text), f"no stable error code (the message was lost?): {text}"
    return text


SEND_SEGMENT = {"campaign_id": CAMPAIGN, "segment_id": SEGMENT, "list_id": 1}
SEND_CONTACT = {"campaign_id": CAMPAIGN, "contact_id": CONTACT, "list_id": 1}


async def confirming(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments that act: the preview's call_again_with (the same arguments, confirm and its token)."""
    preview = await call(client, tool, **arguments)
    assert not preview.is_error, preview.content
    return preview.structured_content["call_again_with"]


# --- reads: retried, then actionable, and the server recovers -----------------------------------------------------


@pytest.mark.parametrize("kind", list(TRANSIENT))
async def test_read_rides_out_a_short_burst(client: Client, egoi: respx.MockRouter, kind: str) -> None:
    route = egoi.routes["lists"]
    healthy = httpx.Response(200, json=LISTS)
    route.side_effect = [failing(kind), failing(kind), healthy]
    page = await ok(client, "egoi_list_lists")
    assert [item["id"] for item in page["items"]] == [1]
    assert route.call_count == 3, "a read is retried through a transient failure"


@pytest.mark.parametrize("kind", list(TRANSIENT))
async def test_read_that_keeps_failing_is_actionable_then_recovers(
    client: Client, egoi: respx.MockRouter, kind: str
) -> None:
    route = egoi.routes["lists"]
    route.side_effect = lambda request: _raise_or_return(failing(kind), request)
    text = await fails(client, "egoi_list_lists")
    attempts = route.call_count
    assert 1 < attempts <= 10, f"a failing read is retried a bounded number of times, not {attempts}"

    route.side_effect = None
    route.return_value = httpx.Response(200, json=LISTS)
    page = await ok(client, "egoi_list_lists")
    assert page["total"] == 1, f"the server did not recover after: {text}"


def _raise_or_return(effect: Any, request: httpx.Request) -> httpx.Response:
    return effect(request) if callable(effect) else effect


async def test_read_recovers_after_transient_503s_in_every_read_tool(client: Client, egoi: respx.MockRouter) -> None:
    for name, tool, args in (
        ("lists", "egoi_list_lists", {}),
        ("campaigns", "egoi_list_campaigns", {}),
        ("segments", "egoi_list_segments", {"list_id": 1}),
        ("contact", "egoi_get_contact", {"contact_id": CONTACT, "list_id": 1}),
    ):
        route = egoi.routes[name]
        healthy = route.return_value
        route.side_effect = [server_error(503), server_error(503), healthy]
        await ok(client, tool, **args)
        assert route.call_count == 3, tool


async def test_malformed_json_is_actionable_and_not_a_crash(client: Client, egoi: respx.MockRouter) -> None:
    route = egoi.routes["lists"]
    for body in (b"{not json", b"", b"[1, 2", b'"just a string"', b"null", b'{"items": "nope"}'):
        route.return_value = httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
        result = await call(client, "egoi_list_lists")
        if result.is_error:
            assert any(advice in result.content[0].text.lower() for advice in ADVICE), result.content[0].text
        else:  # an empty or itemless body may read as an empty page, which is a fair answer
            assert result.structured_content["items"] == []
    route.return_value = httpx.Response(200, json=LISTS)
    assert (await ok(client, "egoi_list_lists"))["total"] == 1


async def test_html_page_with_200_is_actionable(client: Client, egoi: respx.MockRouter) -> None:
    egoi.routes["lists"].return_value = httpx.Response(200, text=HTML_PAGE, headers={"Content-Type": "text/html"})
    text = await fails(client, "egoi_list_lists")
    assert "<html" not in text.lower(), "an HTML page is summarised, not pasted"
    egoi.routes["lists"].return_value = httpx.Response(200, json=LISTS)
    await ok(client, "egoi_list_lists")


async def test_wrong_shape_bodies_are_actionable(client: Client, egoi: respx.MockRouter) -> None:
    egoi.routes["contact"].return_value = httpx.Response(200, json=[1, 2, 3])
    await fails(client, "egoi_get_contact", contact_id=CONTACT, list_id=1)
    egoi.routes["campaigns"].return_value = httpx.Response(200, json={"items": [{"no_hash": True}]})
    await fails(client, "egoi_list_campaigns")
    egoi.routes["contact"].return_value = httpx.Response(200, json=CONTACT_BODY)
    await ok(client, "egoi_get_contact", contact_id=CONTACT, list_id=1)


async def test_slow_responses_are_waited_for(client: Client, egoi: respx.MockRouter) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(0.2)
        return httpx.Response(200, json=LISTS)

    egoi.routes["lists"].side_effect = slow
    results: list[dict[str, Any]] = []

    async def one() -> None:
        results.append(await ok(client, "egoi_list_lists"))

    async with anyio.create_task_group() as tasks:
        for _ in range(6):  # more than the limiter's concurrency cap: the rest queue, nobody fails
            tasks.start_soon(one)
    assert len(results) == 6 and all(r["total"] == 1 for r in results)
    assert egoi.routes["lists"].call_count == 6, "a slow answer is not a failure: no retry"


# --- rate limits ---------------------------------------------------------------------------------------------------


async def test_429_with_headers_says_when_it_resets_without_hanging(
    client: Client, egoi: respx.MockRouter, clock: Clock
) -> None:
    route = egoi.routes["lists"]
    route.side_effect = [rate_limited_with_headers(reset=3600)]
    text = await fails(client, "egoi_list_lists")
    assert "UTC" in text and "reset" in text.lower(), text
    assert route.call_count == 1, "E-goi said an hour: no point retrying now"

    # Until then the limiter answers by itself, without spending a request.
    text = await fails(client, "egoi_list_campaigns")
    assert "reset" in text.lower()
    assert egoi.routes["campaigns"].call_count == 0

    clock.advance(3601)
    route.side_effect = None
    route.return_value = httpx.Response(200, json=LISTS)
    assert (await ok(client, "egoi_list_lists"))["total"] == 1


async def test_429_with_remaining_budget_headers_is_retried(client: Client, egoi: respx.MockRouter) -> None:
    # A 429 whose headers say the window is not spent (a burst limit): wait nothing, retry, succeed.
    route = egoi.routes["lists"]
    burst = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "0"}
    route.side_effect = [httpx.Response(429, headers=burst), httpx.Response(200, json=LISTS, headers=burst)]
    assert (await ok(client, "egoi_list_lists"))["total"] == 1
    assert route.call_count == 2


async def test_429_burst_without_headers_on_a_create_is_retried(client: Client, egoi: respx.MockRouter) -> None:
    route = egoi.routes["create_contact"]
    route.side_effect = [rate_limited(), rate_limited(), httpx.Response(201, json={"contact_id": CONTACT})]
    created = await ok(client, "egoi_create_contact", email="ana@example.com", list_id=1)
    assert created["id"] == CONTACT
    assert route.call_count == 3, "a 429 means E-goi did nothing: a create may be retried"


@pytest.mark.parametrize("kind", ["500", "503", "html-502", "timeout"])
async def test_create_is_not_retried_blindly(client: Client, egoi: respx.MockRouter, kind: str) -> None:
    route = egoi.routes["create_contact"]
    route.side_effect = lambda request: _raise_or_return(failing(kind), request)
    await fails(client, "egoi_create_contact", email="ana@example.com", list_id=1)
    assert route.call_count == 1, "a create that may have happened is not repeated"


# --- sends: at most once --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tool", ["egoi_send_email_to_segment", "egoi_send_email_to_contact"])
@pytest.mark.parametrize("kind", [*TRANSIENT, "429-headers"])
async def test_send_is_attempted_at_most_once(client: Client, egoi: respx.MockRouter, kind: str, tool: str) -> None:
    send = egoi.routes["send"]
    if kind == "429-headers":
        send.side_effect = lambda request: rate_limited_with_headers(reset=60)
    else:
        send.side_effect = lambda request: _raise_or_return(failing(kind), request)
    arguments = SEND_SEGMENT if tool == "egoi_send_email_to_segment" else SEND_CONTACT
    await fails(client, tool, **await confirming(client, tool, arguments))
    assert send.call_count == 1, f"a send was attempted {send.call_count} times after {kind}"


async def test_send_after_recovery_goes_out_once(client: Client, egoi: respx.MockRouter, clock: Clock) -> None:
    send = egoi.routes["send"]
    send.side_effect = [server_error(503)]
    again = await confirming(client, "egoi_send_email_to_segment", SEND_SEGMENT)
    await fails(client, "egoi_send_email_to_segment", **again)
    send.side_effect = None
    send.return_value = httpx.Response(200, json={"result": "success"})
    # The failed send may have been queued: its token does not try again, a fresh preview's does, once.
    assert "CONFIRMATION_USED" in await fails(client, "egoi_send_email_to_segment", **again)
    assert send.call_count == 1
    done = await ok(
        client, "egoi_send_email_to_segment", **await confirming(client, "egoi_send_email_to_segment", SEND_SEGMENT)
    )
    assert done["status"] == "done"
    assert send.call_count == 2, "one failed attempt, then exactly one send"


async def test_send_preview_survives_flaky_reads(client: Client, egoi: respx.MockRouter) -> None:
    for name in ("campaigns", "segments", "segment_contacts"):
        route = egoi.routes[name]
        route.side_effect = [server_error(503), route.return_value]
    preview = await ok(client, "egoi_send_email_to_segment", **SEND_SEGMENT)
    assert preview["status"] == "confirmation_required" and "42 contact" in preview["summary"]
    assert egoi.routes["send"].call_count == 0, "a preview sends nothing"


# --- the key ---------------------------------------------------------------------------------------------------------


async def test_key_is_scrubbed_from_echoing_error_bodies(client: Client, egoi: respx.MockRouter) -> None:
    egoi.routes["lists"].side_effect = lambda request: httpx.Response(
        422, json={"title": "Unprocessable", "detail": f"key {API_KEY}", "errors": {"apikey": f"{API_KEY} invalid"}}
    )
    result = await call(client, "egoi_list_lists")
    assert result.is_error and "[redacted]" in result.content[0].text, "the echoed key is replaced, the rest kept"
    egoi.routes["contact"].side_effect = lambda request: httpx.Response(409, json={"errors": {"x": API_KEY}})
    result = await call(client, "egoi_get_contact", contact_id=CONTACT, list_id=1)
    assert result.is_error
    egoi.routes["campaigns"].side_effect = lambda request: httpx.Response(401, json={"detail": API_KEY})
    text = await fails(client, "egoi_list_campaigns")
    assert "EGOI_API_KEY" in text, "a rejected key names the setting to fix"


@pytest.mark.parametrize("kind", ["500", "timeout"])
async def test_ambiguous_send_failure_says_to_check_before_sending_again(
    client: Client, egoi: respx.MockRouter, kind: str
) -> None:
    egoi.routes["send"].side_effect = lambda request: _raise_or_return(failing(kind), request)
    again = await confirming(client, "egoi_send_email_to_segment", SEND_SEGMENT)
    text = await fails(client, "egoi_send_email_to_segment", **again)
    assert "try again" not in text.lower(), text
    assert "egoi_list_campaigns" in text or "status" in text.lower(), text
