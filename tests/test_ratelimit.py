"""The shared RateLimiter (budget, E-goi's headers, concurrency cap) and the client's retry policy.

No assertion here depends on wall-clock time: the limiter runs on a fake clock where waiting matters, and
the client tests count calls and look at exceptions and states.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
import pytest
import respx

from egoi_mcp.client import EGoiClient
from egoi_mcp.errors import NetworkError, NotFoundError, RateLimitError, UpstreamError
from egoi_mcp.ratelimit import RateLimiter

pytestmark = pytest.mark.anyio

BASE = "https://api.egoiapp.com"
API_KEY = "ratelimit-test-key-7c2f9e4a1b"
CONTACT = "8f3a27ef26"
TLS = ssl.create_default_context()


class FakeClock:
    def __init__(self, start: float = 10_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        campaign = {"campaign_hash": "abc123", "internal_name": "Spring sale", "list_id": 3}
        mock.get("/campaigns").respond(200, json={"total_items": 1, "items": [campaign]})  # what a send plans with
        yield mock


def make_client(limiter: RateLimiter | None = None, **kwargs: Any) -> EGoiClient:
    options: dict[str, Any] = {
        "retry_backoff": 0, "max_retries": 3, "transport": httpx.AsyncHTTPTransport(verify=TLS), **kwargs
    }  # fmt: skip
    return EGoiClient(api_key=API_KEY, limiter=limiter or RateLimiter(per_hour=100_000, max_wait=2.0), **options)


class Counting(httpx.AsyncBaseTransport):
    """A real transport (respx intercepts below it) that counts the requests one client sends."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport(verify=TLS)
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.inner.handle_async_request(request)


def lists_body(n: int = 1) -> dict[str, Any]:
    items = [
        {"list_id": i, "internal_name": f"List {i}", "public_name": f"List {i}", "status": "active"} for i in range(n)
    ]
    return {"total_items": n, "items": items}


def problem(status: int, title: str) -> dict[str, Any]:
    return {"type": "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html", "title": title, "status": status}


TOO_MANY = problem(429, "Too Many Requests")
SERVER_ERROR = problem(500, "Internal Server Error")
UNAVAILABLE = problem(503, "Service Unavailable")


def seconds_until(moment: datetime) -> float:
    return (moment - datetime.now(UTC)).total_seconds()


# -- the budget ---------------------------------------------------------------------------------------------


async def test_starts_from_the_hourly_budget_and_spends_one_per_request(clock: FakeClock) -> None:
    limiter = RateLimiter(per_hour=150, clock=clock)
    assert limiter.remaining == 150
    async with limiter.slot():
        pass
    async with limiter.slot():
        pass
    assert limiter.remaining == 148


async def test_refills_evenly_up_to_the_budget(clock: FakeClock) -> None:
    limiter = RateLimiter(per_hour=3600, clock=clock)  # one request per second
    for _ in range(10):
        async with limiter.slot():
            pass
    assert limiter.remaining == 3590
    clock.advance(5)
    assert limiter.remaining == 3595
    clock.advance(86_400)
    assert limiter.remaining == 3600


async def test_spent_budget_raises_at_once_saying_when_it_resets(clock: FakeClock, slept: list[float]) -> None:
    limiter = RateLimiter(per_hour=2, max_wait=5, clock=clock)
    async with limiter.slot():
        pass
    async with limiter.slot():
        pass
    with pytest.raises(RateLimitError) as info:
        async with limiter.slot():
            pytest.fail("the slot must not be granted")
    assert slept == []  # refused, not waited for
    assert info.value.code == "RATE_LIMITED"
    assert info.value.reset_at is not None
    assert 1790 <= seconds_until(info.value.reset_at) <= 1810  # one token of 2/hour takes 30 min
    assert "EGOI_RATE_LIMIT_PER_HOUR" in info.value.message
    assert "UTC" in info.value.message
    clock.advance(1800)
    async with limiter.slot():
        pass


async def test_a_short_wait_is_waited(clock: FakeClock, slept: list[float]) -> None:
    limiter = RateLimiter(per_hour=3600, max_wait=5, clock=clock)
    await limiter.observe(httpx.Headers({"X-RateLimit-Remaining": "0"}))
    assert limiter.remaining == 0
    async with limiter.slot():
        pass
    assert slept == [pytest.approx(1.0)]


def test_per_hour_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_hour=0)


async def test_wait_refuses_to_sleep_past_max_wait(clock: FakeClock, slept: list[float]) -> None:
    limiter = RateLimiter(max_wait=3, clock=clock)
    await limiter.wait(0)
    await limiter.wait(2.5)
    assert slept == [0, 2.5]
    with pytest.raises(RateLimitError) as info:
        await limiter.wait(60)
    assert info.value.reset_at is not None
    assert 55 <= seconds_until(info.value.reset_at) <= 61
    assert slept == [0, 2.5]


async def test_block_for_pauses_every_request(clock: FakeClock, slept: list[float]) -> None:
    limiter = RateLimiter(max_wait=5, clock=clock)
    await limiter.block_for(2)
    async with limiter.slot():
        pass
    assert slept == [pytest.approx(2.0)]
    await limiter.block_for(600)
    with pytest.raises(RateLimitError):
        async with limiter.slot():
            pass


# -- E-goi's headers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["X-RateLimit", "X-Account"])
async def test_observe_remaining_zero_and_reset_blocks_until_reset(
    clock: FakeClock, slept: list[float], prefix: str
) -> None:
    limiter = RateLimiter(per_hour=1000, max_wait=5, clock=clock)
    await limiter.observe(
        httpx.Headers({f"{prefix}-Limit": "1000", f"{prefix}-Remaining": "0", f"{prefix}-Reset": "3600"})
    )
    assert limiter.remaining == 0
    with pytest.raises(RateLimitError) as info:
        async with limiter.slot():
            pytest.fail("the slot must not be granted")
    assert info.value.reset_at is not None
    assert 3590 <= seconds_until(info.value.reset_at) <= 3610
    assert slept == []
    clock.advance(3600)
    async with limiter.slot():
        pass


async def test_observe_headers_are_case_insensitive(clock: FakeClock) -> None:
    limiter = RateLimiter(per_hour=1000, max_wait=5, clock=clock)
    await limiter.observe(httpx.Headers({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "900"}))
    with pytest.raises(RateLimitError):
        async with limiter.slot():
            pass


async def test_observe_adopts_a_lower_remaining(clock: FakeClock) -> None:
    limiter = RateLimiter(per_hour=150, clock=clock)
    await limiter.observe(
        httpx.Headers({"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "60"})
    )
    assert limiter.remaining == 7
    await limiter.observe(httpx.Headers({"X-Account-Remaining": "3.0"}))
    assert limiter.remaining == 3


async def test_observe_adopts_the_account_limit(clock: FakeClock) -> None:
    limiter = RateLimiter(per_hour=150, clock=clock)
    await limiter.observe(
        httpx.Headers({"X-Account-Limit": "50", "X-Account-Remaining": "40", "X-Account-Reset": "1200"})
    )
    assert limiter.per_hour == 50
    assert limiter.remaining == 40
    clock.advance(10 * 3600)
    assert limiter.remaining == 50


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-RateLimit-Remaining": "lots"},
        {"X-RateLimit-Remaining": ""},
        {"X-RateLimit-Reset": "3600"},  # a reset alone says nothing about what is left
        {"X-Account-Limit": "0"},
        {"X-Account-Limit": "-5"},
        {"Content-Type": "application/json"},
    ],
)
async def test_observe_ignores_what_it_cannot_use(clock: FakeClock, headers: dict[str, str]) -> None:
    limiter = RateLimiter(per_hour=150, max_wait=5, clock=clock)
    await limiter.observe(httpx.Headers(headers))
    assert limiter.per_hour == 150
    assert limiter.remaining == 150
    async with limiter.slot():
        pass


# -- the concurrency cap ----------------------------------------------------------------------------------------


async def test_concurrency_cap_on_the_limiter() -> None:
    limiter = RateLimiter(per_hour=1000, max_concurrency=3)
    in_flight = peak = 0

    async def work() -> None:
        nonlocal in_flight, peak
        async with limiter.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            await anyio.sleep(0.005)
            in_flight -= 1

    async with anyio.create_task_group() as tg:
        for _ in range(12):
            tg.start_soon(work)
    assert peak == 3
    assert in_flight == 0
    assert limiter.remaining == 1000 - 12


def slow_lists(counter: dict[str, int]):
    async def respond(request: httpx.Request) -> httpx.Response:
        counter["in_flight"] += 1
        counter["peak"] = max(counter["peak"], counter["in_flight"])
        await anyio.sleep(0.01)
        counter["in_flight"] -= 1
        return httpx.Response(200, json=lists_body())

    return respond


async def test_concurrency_cap_holds_for_client_requests(api: respx.MockRouter) -> None:
    counter = {"in_flight": 0, "peak": 0}
    route = api.get("/lists").mock(side_effect=slow_lists(counter))
    limiter = RateLimiter(per_hour=1000, max_concurrency=2, max_wait=2)
    async with make_client(limiter) as client, anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(client.get_lists)
    assert route.call_count == 10
    assert counter["peak"] == 2
    assert counter["in_flight"] == 0


async def test_one_limiter_shared_by_two_clients(api: respx.MockRouter) -> None:
    counter = {"in_flight": 0, "peak": 0}
    route = api.get("/lists").mock(side_effect=slow_lists(counter))
    limiter = RateLimiter(per_hour=1000, max_concurrency=1, max_wait=2)
    one, two = Counting(), Counting()
    async with make_client(limiter, transport=one) as first, make_client(limiter, transport=two) as second:
        assert first.limiter is second.limiter
        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(first.get_lists)
                tg.start_soon(second.get_lists)
        assert route.call_count == 8
        assert counter["peak"] == 1
        assert (one.requests, two.requests) == (4, 4)
        assert limiter.remaining == 1000 - 8


async def test_two_clients_spend_one_budget(api: respx.MockRouter) -> None:
    route = api.get("/lists").respond(200, json=lists_body())
    limiter = RateLimiter(per_hour=3, max_wait=0.05)
    async with make_client(limiter) as first, make_client(limiter) as second:
        await first.get_lists()
        await second.get_lists()
        await first.get_lists()
        with pytest.raises(RateLimitError) as info:
            await second.get_lists()
        assert info.value.reset_at is not None
        assert route.call_count == 3


async def test_headers_seen_by_one_client_hold_back_the_other(api: respx.MockRouter) -> None:
    tags = api.get("/tags").respond(
        200,
        json={"total_items": 0, "items": []},
        headers={"X-Account-Limit": "5000", "X-Account-Remaining": "0", "X-Account-Reset": "3600"},
    )
    lists = api.get("/lists").respond(200, json=lists_body())
    limiter = RateLimiter(per_hour=5000, max_wait=0.05)
    async with make_client(limiter) as first, make_client(limiter) as second:
        await first.list_tags()
        with anyio.fail_after(5):
            with pytest.raises(RateLimitError) as info:
                await second.get_lists()
    assert info.value.reset_at is not None
    assert seconds_until(info.value.reset_at) > 3500
    assert (tags.call_count, lists.call_count) == (1, 0)


async def test_observe_through_the_client(api: respx.MockRouter) -> None:
    route = api.get("/lists").respond(
        200,
        json=lists_body(),
        headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3600"},
    )
    limiter = RateLimiter(per_hour=1000, max_wait=0.05)
    async with make_client(limiter) as client:
        page = await client.get_lists()  # the answer that spent the budget is still returned
        assert len(page.items) == 1
        with pytest.raises(RateLimitError):
            await client.get_lists()
    assert route.call_count == 1


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
