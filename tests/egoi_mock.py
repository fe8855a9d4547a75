"""A real E-goi client against E-goi's API mocked below its transport (respx), for the rate limiter's and the
retry policy's tests: the fake clock, the client as those tests make it, and E-goi's answers they need."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import respx

from egoi_mcp.client import EGoiClient
from egoi_mcp.ratelimit import RateLimiter

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


def mocked_api() -> Iterator[respx.MockRouter]:
    """E-goi at BASE, answering what each test routes (and the campaign listing a send plans with)."""
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        campaign = {"campaign_hash": "abc123", "internal_name": "Spring sale", "list_id": 3}
        mock.get("/campaigns").respond(200, json={"total_items": 1, "items": [campaign]})
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
