"""The shared RateLimiter: its budget, E-goi's headers, the concurrency cap (the client's retry policy is
test_retries.py's).

No assertion here depends on wall-clock time: the limiter runs on a fake clock where waiting matters, and
the client tests count calls and look at exceptions and states.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import pytest
import respx

from egoi_mcp.errors import RateLimitError
from egoi_mcp.ratelimit import RateLimiter
from tests.egoi_mock import (
    Counting,
    FakeClock,
    lists_body,
    make_client,
    mocked_api,
    seconds_until,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    yield from mocked_api()


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
