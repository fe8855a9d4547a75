"""The transport builds each E-goi request itself (one URL parse instead of httpx's three): byte for byte the
request `httpx.AsyncClient.build_request` makes, for every base URL form, path, query and body, and the
client's own when it has cookies to send."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from egoi_mcp.client._transport import Transport
from egoi_mcp.ratelimit import RateLimiter

HEADERS = {"Apikey": "k" * 20, "Accept": "application/json", "User-Agent": "egoi-mcp"}
CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("GET", "/lists", {"order": "asc", "order_by": "list_id", "offset": 0, "limit": 25}, None),
    ("GET", "/lists/1/contacts", {"email": "ana.silva+x@example.com", "q": "a b/c?d&e=f#g", "u": "ção €"}, None),
    ("GET", "/campaigns", {"flag": True, "ids": [1, 2]}, None),
    ("POST", "/lists/1/contacts/actions/attach-tag", {}, {"tag_id": 3, "contacts": ["ab12cd34ef"], "n": "ç"}),
    ("PATCH", "/lists/1/contacts/a%2Fb", {}, {"base": {"first_name": "Ana"}}),
    ("DELETE", "/webhooks/7", {}, None),
]


def shape(request: httpx.Request) -> tuple[Any, ...]:
    return (request.method, str(request.url), request.headers.multi_items(), request.content, request.extensions)


@pytest.mark.parametrize("base", ["https://api.egoiapp.com", "http://sandbox.egoi.invalid", "http://127.0.0.1:8123/v3"])
@pytest.mark.parametrize(("method", "path", "params", "body"), CASES)
def test_the_same_request_as_httpx_builds(base: str, method: str, path: str, params: dict[str, Any], body: Any) -> None:
    http = httpx.AsyncClient(base_url=base, headers=HEADERS, timeout=12.5)
    transport = Transport(http, RateLimiter(), max_retries=0, retry_backoff=0)
    ours = transport._build_request(method, path, params, body)
    assert shape(ours) == shape(http.build_request(method, path, params=params, json=body))


def test_cookies_the_client_holds_are_still_sent() -> None:
    http = httpx.AsyncClient(base_url="https://api.egoiapp.com", headers=HEADERS)
    http.cookies.set("session", "s1", domain="api.egoiapp.com")
    transport = Transport(http, RateLimiter(), max_retries=0, retry_backoff=0)
    ours = transport._build_request("GET", "/lists", {"limit": 1}, None)
    assert ours.headers["Cookie"] == "session=s1"
    assert shape(ours) == shape(http.build_request("GET", "/lists", params={"limit": 1}))
