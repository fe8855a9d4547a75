"""The client's tests' fixtures: E-goi mocked below a real client's transport (respx), and the client, with and
without a default list. `client` here is an E-goi client, not the MCP client of tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import respx

from egoi_mcp.client import EGoiClient
from egoi_mcp.ratelimit import RateLimiter
from tests.client.egoi import API_KEY, BASE, collection, egoi_tag, transport


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.get("/tags").respond(200, json=collection([egoi_tag(1, "Customers"), egoi_tag(2, "vip")]))
        city = {"field_id": "1", "name": "City", "format": "text", "type": "extra"}  # names the contacts' extra
        mock.get(url__regex=r"/lists/\d+/fields").respond(200, json=[city])
        yield mock


@pytest.fixture
async def client() -> AsyncIterator[EGoiClient]:
    limiter = RateLimiter(per_hour=100_000, max_concurrency=4, max_wait=1.0)
    async with EGoiClient(api_key=API_KEY, limiter=limiter, retry_backoff=0, transport=transport()) as c:
        yield c


@pytest.fixture
async def default_client() -> AsyncIterator[EGoiClient]:
    limiter = RateLimiter(per_hour=100_000, max_wait=1.0)
    async with EGoiClient(
        api_key=API_KEY, default_list_id=3, limiter=limiter, retry_backoff=0, transport=transport()
    ) as c:
        yield c
