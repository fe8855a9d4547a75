"""The client's retry policy: reads retried (bounded), 429 waited or reported, writes that are not idempotent
attempted once (the limiter itself is test_ratelimit.py's). Calls are counted and waits read off a fake clock:
nothing here depends on wall-clock time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
import respx

from egoi_mcp.errors import NetworkError, NotFoundError, RateLimitError, UpstreamError
from egoi_mcp.ratelimit import RateLimiter
from tests.egoi_mock import (
    CONTACT,
    SERVER_ERROR,
    TOO_MANY,
    UNAVAILABLE,
    FakeClock,
    lists_body,
    make_client,
    mocked_api,
    problem,
    seconds_until,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    yield from mocked_api()


# -- retries of reads ---------------------------------------------------------------------------------------


async def test_get_retried_on_500_and_503_then_succeeds(api: respx.MockRouter) -> None:
    route = api.get("/lists").mock(
        side_effect=[
            httpx.Response(500, json=SERVER_ERROR),
            httpx.Response(503, json=UNAVAILABLE),
            httpx.Response(200, json=lists_body(2)),
        ]
    )
    async with make_client() as client:
        page = await client.get_lists()
        assert [item.id for item in page.items] == [0, 1]
    assert route.call_count == 3


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ConnectError("connection refused"),
        httpx.Response(408, json=problem(408, "Request Timeout")),
        httpx.Response(502, text="<html><body>Bad Gateway</body></html>"),
    ],
)
async def test_get_retried_on_network_failures_then_succeeds(api: respx.MockRouter, failure: Any) -> None:
    route = api.get(f"/lists/3/contacts/{CONTACT}").mock(
        side_effect=[failure, httpx.Response(200, json={"base": {"contact_id": CONTACT, "email": "john@example.com"}})]
    )
    async with make_client() as client:
        contact = await client.get_contact(CONTACT, list_id=3)
    assert contact.email == "john@example.com"
    assert route.call_count == 2


@pytest.mark.parametrize(("max_retries", "calls"), [(0, 1), (1, 2), (2, 3), (3, 4)])
async def test_retries_are_bounded(api: respx.MockRouter, max_retries: int, calls: int) -> None:
    route = api.get("/lists").respond(503, json=UNAVAILABLE)
    async with make_client(max_retries=max_retries) as client:
        with pytest.raises(UpstreamError) as info:
            await client.get_lists()
    assert info.value.status == 503
    assert route.call_count == calls


async def test_timeouts_are_bounded_too(api: respx.MockRouter) -> None:
    route = api.get("/lists").mock(side_effect=httpx.ReadTimeout("read timed out"))
    async with make_client(max_retries=2) as client:
        with pytest.raises(NetworkError):
            await client.get_lists()
    assert route.call_count == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 422])
async def test_client_errors_are_not_retried(api: respx.MockRouter, status: int) -> None:
    route = api.get("/lists").respond(status, json=problem(status, "Error"))
    async with make_client() as client:
        with pytest.raises(Exception) as info:
            await client.get_lists()
    assert not isinstance(info.value, RateLimitError)
    assert route.call_count == 1


async def test_idempotent_bulk_actions_are_retried(api: respx.MockRouter) -> None:
    route = api.post("/lists/3/contacts/actions/forget").mock(
        side_effect=[httpx.Response(503, json=UNAVAILABLE), httpx.Response(202, json={"result": "success"})]
    )
    async with make_client() as client:
        assert await client.delete_contacts([CONTACT], list_id=3) == 1
    assert route.call_count == 2


async def test_a_backoff_longer_than_max_wait_reports_the_upstream_error(api: respx.MockRouter) -> None:
    route = api.get("/lists").respond(503, json=UNAVAILABLE)
    async with make_client(RateLimiter(max_wait=1), retry_backoff=60) as client:
        with anyio.fail_after(5):
            with pytest.raises(UpstreamError) as info:
                await client.get_lists()
    assert info.value.status == 503
    assert route.call_count == 1


# -- 429 ---------------------------------------------------------------------------------------------------


def recording_wait(limiter: RateLimiter, clock: FakeClock) -> list[float]:
    """Replace the limiter's retry sleep by one that only records and moves the fake clock."""
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        if seconds > limiter.max_wait:
            raise RateLimitError("would wait too long")
        waits.append(seconds)
        clock.advance(seconds)

    limiter.wait = wait  # type: ignore[method-assign]
    return waits


async def test_429_with_reset_header_waits_that_long_then_retries(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/lists").mock(
        side_effect=[
            httpx.Response(429, json=TOO_MANY, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"}),
            httpx.Response(200, json=lists_body()),
        ]
    )
    limiter = RateLimiter(per_hour=1000, max_wait=30, clock=clock)
    waits = recording_wait(limiter, clock)
    async with make_client(limiter, retry_backoff=0.01) as client:
        page = await client.get_lists()
    assert len(page.items) == 1
    assert route.call_count == 2
    assert len(waits) == 1
    assert 18 <= waits[0] <= 20.5


async def test_429_reset_zero_is_retried_at_once(api: respx.MockRouter) -> None:
    route = api.get("/lists").mock(
        side_effect=[
            httpx.Response(429, json=TOO_MANY, headers={"X-RateLimit-Reset": "0"}),
            httpx.Response(200, json=lists_body()),
        ]
    )
    async with make_client() as client:
        await client.get_lists()
    assert route.call_count == 2


async def test_429_without_headers_backs_off_exponentially(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/lists").mock(
        side_effect=[
            httpx.Response(429, json=TOO_MANY),
            httpx.Response(429, json=TOO_MANY),
            httpx.Response(200, json=lists_body()),
        ]
    )
    limiter = RateLimiter(per_hour=1000, max_wait=30, clock=clock)
    waits = recording_wait(limiter, clock)
    async with make_client(limiter, retry_backoff=0.5) as client:
        await client.get_lists()
    assert route.call_count == 3
    assert waits == [0.5, 1.0]


async def test_429_without_headers_is_bounded(api: respx.MockRouter) -> None:
    route = api.get("/lists").respond(429, json=TOO_MANY)
    async with make_client(max_retries=2) as client:
        with pytest.raises(RateLimitError):
            await client.get_lists()
    assert route.call_count == 3


async def test_429_with_a_far_reset_raises_at_once_instead_of_hanging(api: respx.MockRouter) -> None:
    route = api.get("/lists").respond(429, json=TOO_MANY, headers={"X-RateLimit-Reset": "3600"})
    lists = api.get("/tags").respond(200, json={"total_items": 0, "items": []})
    async with make_client(RateLimiter(per_hour=1000, max_wait=1)) as client:
        with anyio.fail_after(5):
            with pytest.raises(RateLimitError) as info:
                await client.get_lists()
            assert info.value.reset_at is not None
            assert 3500 <= seconds_until(info.value.reset_at) <= 3610
            # the pause holds for every later request, which is refused without calling E-goi
            with pytest.raises(RateLimitError):
                await client.list_tags()
    assert route.call_count == 1
    assert lists.call_count == 0


async def test_429_on_an_account_budget_reports_the_account_reset(api: respx.MockRouter) -> None:
    headers = {
        "X-RateLimit-Remaining": "50",
        "X-RateLimit-Reset": "10",
        "X-Account-Remaining": "0",
        "X-Account-Reset": "2400",
    }
    route = api.get("/lists").respond(429, json=TOO_MANY, headers=headers)
    async with make_client(RateLimiter(per_hour=1000, max_wait=1)) as client:
        with pytest.raises(RateLimitError) as info:
            await client.get_lists()
    assert info.value.reset_at is not None
    assert seconds_until(info.value.reset_at) > 2300
    assert route.call_count == 1


# -- writes that are not idempotent ----------------------------------------------------------------------------


async def test_429_on_a_create_is_retried(api: respx.MockRouter) -> None:
    route = api.post("/lists/3/contacts").mock(
        side_effect=[httpx.Response(429, json=TOO_MANY), httpx.Response(201, json={"contact_id": CONTACT})]
    )
    async with make_client() as client:
        contact = await client.create_contact("john@example.com", list_id=3)
    assert contact.id == CONTACT
    assert route.call_count == 2


@pytest.mark.parametrize("kind", ["list", "tag", "webhook"])
async def test_429_on_other_creates_is_retried(api: respx.MockRouter, kind: str) -> None:
    created = {
        "list": ("/lists", {"list_id": 4, "internal_name": "N", "public_name": "N", "status": "active"}),
        "tag": ("/tags", {"tag_id": 4, "name": "vip", "color": "#FFFFFF"}),
        "webhook": (
            "/webhooks",
            {"webhook_id": 4, "list_id": 3, "url": "https://example.com/h", "actions": ["unsubscribe"]},
        ),
    }
    path, body = created[kind]
    route = api.post(path).mock(side_effect=[httpx.Response(429, json=TOO_MANY), httpx.Response(201, json=body)])
    async with make_client() as client:
        if kind == "list":
            await client.create_list("N")
        elif kind == "tag":
            await client.create_tag("vip")
        else:
            await client.create_webhook(3, "https://example.com/h", ["unsubscribe"])
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.Response(500, json=SERVER_ERROR), UpstreamError),
        (httpx.Response(503, json=UNAVAILABLE), UpstreamError),
        (httpx.ReadTimeout("read timed out"), NetworkError),
    ],
)
async def test_a_failed_create_is_not_retried(api: respx.MockRouter, failure: Any, error: type[Exception]) -> None:
    route = api.post("/lists/3/contacts").mock(side_effect=[failure, httpx.Response(201, json={"contact_id": CONTACT})])
    async with make_client() as client:
        with pytest.raises(error):
            await client.create_contact("john@example.com", list_id=3)
    assert route.call_count == 1


SEND_FAILURES = [
    (httpx.Response(429, json=TOO_MANY, headers={"X-RateLimit-Reset": "0"}), RateLimitError),
    (httpx.Response(429, json=TOO_MANY), RateLimitError),
    (httpx.Response(500, json=SERVER_ERROR), UpstreamError),
    (httpx.Response(503, json=UNAVAILABLE), UpstreamError),
    (httpx.ReadTimeout("read timed out"), NetworkError),
    (httpx.ConnectError("connection reset"), NetworkError),
]


@pytest.mark.parametrize(("failure", "error"), SEND_FAILURES)
async def test_a_send_to_a_segment_is_attempted_exactly_once(
    api: respx.MockRouter, failure: Any, error: type[Exception]
) -> None:
    send = api.post("/campaigns/email/abc123/actions/send").mock(
        side_effect=[failure, httpx.Response(200, json={"result": "success"})]
    )
    async with make_client() as client:
        with pytest.raises(error):
            await client.send_email_to_segment("abc123", "seg_1", list_id=3)
    assert send.call_count == 1


@pytest.mark.parametrize(("failure", "error"), SEND_FAILURES)
async def test_a_send_to_a_contact_is_attempted_exactly_once(
    api: respx.MockRouter, failure: Any, error: type[Exception]
) -> None:
    read = api.get(f"/lists/3/contacts/{CONTACT}").mock(
        side_effect=[
            httpx.Response(503, json=UNAVAILABLE),  # the read before the send may be retried
            httpx.Response(200, json={"base": {"contact_id": CONTACT, "email": "john@example.com"}}),
        ]
    )
    send = api.post("/campaigns/email/abc123/actions/send").mock(
        side_effect=[failure, httpx.Response(200, json={"result": "success"})]
    )
    async with make_client() as client:
        with pytest.raises(error):
            await client.send_email_to_contact("abc123", CONTACT, list_id=3)
    assert read.call_count == 2
    assert send.call_count == 1


async def test_a_send_that_succeeds_is_sent_once(api: respx.MockRouter) -> None:
    send = api.post("/campaigns/email/abc123/actions/send").respond(200, json={"result": "success"})
    async with make_client() as client:
        await client.send_email_to_segment("abc123", "seg_1", list_id=3)
    assert send.call_count == 1


async def test_not_found_on_a_read_is_an_answer_not_a_retry(api: respx.MockRouter) -> None:
    route = api.get(f"/lists/3/contacts/{CONTACT}").respond(404, json=problem(404, "NotFound"))
    async with make_client() as client:
        with pytest.raises(NotFoundError):
            await client.get_contact(CONTACT, list_id=3)
    assert route.call_count == 1


async def test_observe_gives_the_budget_back_when_egoi_window_resets(clock: FakeClock) -> None:
    limiter = RateLimiter(per_hour=150, clock=clock)
    await limiter.observe(httpx.Headers({"X-RateLimit-Remaining": "2"}))
    assert limiter.remaining == 2
    await limiter.observe(httpx.Headers({"X-RateLimit-Remaining": "120"}))
    assert limiter.remaining == 120
    await limiter.observe(httpx.Headers({"X-RateLimit-Remaining": "90", "X-Account-Remaining": "30"}))
    assert limiter.remaining == 30, "the tighter of the two budgets wins"
