"""The limiter follows E-goi's clock (issue 17, finding 8): a window that E-goi says resets in 3 s is waited 3 s,
not one refill interval of the hourly budget; a reset beyond the caller's wait limit is `RATE_LIMITED` with
that reset time and a hint that fits the cause. The limiter's sleeps run on a fake clock (no timed assertion).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx
from mcp import Client

from egoi_mcp.client import EGoiClient
from egoi_mcp.config import Settings
from egoi_mcp.errors import RateLimitError
from egoi_mcp.ratelimit import RateLimiter
from egoi_mcp.server import build_server
from tests.test_ratelimit import FakeClock

pytestmark = pytest.mark.anyio

BASE = "https://api.egoiapp.com"
API_KEY = "clock-test-key-5e1b7c9d3a"
LISTS = {"total_items": 1, "items": [{"list_id": 1, "internal_name": "Newsletter", "public_name": "Weekly"}]}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(50_000.0)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def window(remaining: int, reset: int, prefix: str = "X-RateLimit") -> dict[str, str]:
    return {f"{prefix}-Limit": "150", f"{prefix}-Remaining": str(remaining), f"{prefix}-Reset": str(reset)}


@pytest.mark.parametrize("prefix", ["X-RateLimit", "X-Account"])
async def test_a_window_that_resets_in_3_s_is_waited_3_s(clock: FakeClock, slept: list[float], prefix: str) -> None:
    limiter = RateLimiter(per_hour=150, max_wait=30, clock=clock)  # one token every 24 s
    await limiter.observe(httpx.Headers(window(0, 3, prefix)))
    async with limiter.slot():
        pass
    assert slept == [pytest.approx(3.0)], "E-goi's clock, not one refill interval (24 s at 150/h)"
    for _ in range(10):  # the window reset gave the budget back whole
        async with limiter.slot():
            pass
    assert slept == [pytest.approx(3.0)]


async def test_the_last_requests_of_a_window_then_its_reset(clock: FakeClock, slept: list[float]) -> None:
    limiter = RateLimiter(per_hour=150, max_wait=30, clock=clock)
    await limiter.observe(httpx.Headers(window(2, 3)))
    for _ in range(3):
        async with limiter.slot():
            pass
    assert slept == [pytest.approx(3.0)], "two left, then the wait for the window, not for a refill"


async def test_a_reset_beyond_the_wait_limit_says_when_and_why(clock: FakeClock, slept: list[float]) -> None:
    limiter = RateLimiter(per_hour=150, max_wait=30, clock=clock)
    await limiter.observe(httpx.Headers(window(0, 600)))
    with pytest.raises(RateLimitError) as info:
        async with limiter.slot():
            pytest.fail("the slot must not be granted")
    assert slept == []
    assert info.value.code == "RATE_LIMITED" and info.value.reset_at is not None
    assert 590 <= (info.value.reset_at - datetime.now(UTC)).total_seconds() <= 610
    message = info.value.message
    assert "E-goi's request limit" in message and "UTC" in message and "10 min" in message
    assert "EGOI_RATE_LIMIT_PER_HOUR" not in message, "raising our budget cannot lift E-goi's"


async def test_our_own_spent_budget_still_names_the_setting(clock: FakeClock, slept: list[float]) -> None:
    limiter = RateLimiter(per_hour=1, max_wait=30, clock=clock)
    async with limiter.slot():
        pass
    with pytest.raises(RateLimitError) as info:
        async with limiter.slot():
            pytest.fail("the slot must not be granted")
    assert "EGOI_RATE_LIMIT_PER_HOUR" in info.value.message and "1 an hour" in info.value.message


async def test_the_client_waits_what_egoi_says(api: respx.MockRouter, clock: FakeClock, slept: list[float]) -> None:
    route = api.get("/lists").mock(
        side_effect=[httpx.Response(200, json=LISTS, headers=window(0, 3)), httpx.Response(200, json=LISTS)]
    )
    limiter = RateLimiter(per_hour=150, max_wait=30, clock=clock)
    async with EGoiClient(api_key=API_KEY, limiter=limiter, base_url=BASE) as client:
        await client.get_lists()
        await client.get_lists()
    assert route.call_count == 2 and slept == [pytest.approx(3.0)]


@pytest.fixture
async def mcp_client(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Client]:
    settings = Settings(api_key=API_KEY, base_url=BASE, db=tmp_path / "e.db", webhook_secret="clock-secret-0123456")
    server = build_server(settings, limiter=RateLimiter(150, max_wait=30, clock=clock), retry_backoff=0)
    async with Client(server.mcp) as client:
        yield client


async def test_a_tool_past_egoi_reset_answers_rate_limited_with_the_reset(
    mcp_client: Client, api: respx.MockRouter, slept: list[float]
) -> None:
    api.get("/lists").respond(200, json=LISTS, headers=window(0, 900))
    assert not (await mcp_client.call_tool("egoi_list_lists", {})).is_error
    result = await mcp_client.call_tool("egoi_list_lists", {})
    text = result.content[0].text
    assert result.is_error and "RATE_LIMITED: " in text and "UTC" in text and "15 min" in text, text
    assert "EGOI_RATE_LIMIT_PER_HOUR" not in text and "status" not in text, text
    assert slept == [] and api.routes[0].call_count == 1, "answered at once, without asking E-goi again"
