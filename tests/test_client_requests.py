"""The transport builds each E-goi request itself (a URL parsed once, then kept): byte for byte the
request `httpx.AsyncClient.build_request` makes, for every base URL form, path, query and body, and the
client's own when it has cookies to send. Given a transport, it sends to it directly: the answer httpx gives."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from egoi_mcp.client._transport import Transport
from egoi_mcp.ratelimit import RateLimiter

HEADERS = {"Apikey": "k" * 20, "Accept": "application/json", "User-Agent": "egoi-mcp"}
CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("GET", "/lists", {"order": "asc", "order_by": "list_id", "offset": 0, "limit": 25}, None),
    ("GET", "/lists/1/contacts", {"email": "ana.silva+x@example.com", "q": "a b/c?d&e=f#g", "u": "ção €"}, None),
    ("GET", "/campaigns", {"flag": True, "ids": [1, 2]}, None),
    # URLs are kept once parsed: equal values of other types (True, 1, 1.0) are other parameters
    ("GET", "/campaigns", {"flag": True}, None),
    ("GET", "/campaigns", {"flag": 1}, None),
    ("GET", "/campaigns", {"flag": 1.0}, None),
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


# A client made with a transport (the embedded sandbox, a test's) sends straight to it: the same responses as
# `httpx.AsyncClient.send`, cookies kept and sent back, event hooks still run, nothing sent once closed.


async def _echo(request: Request) -> JSONResponse:
    response = JSONResponse(
        {"path": request.url.path, "query": str(request.url.query), "cookie": request.headers.get("cookie")},
        headers={"X-RateLimit-Remaining": "41"},
    )
    if request.url.path == "/login":
        response.set_cookie("session", "s1")
    return response


def _direct_transport() -> Transport:
    asgi = httpx.ASGITransport(app=Starlette(routes=[Route("/{path:path}", _echo, methods=["GET", "POST"])]))
    http = httpx.AsyncClient(base_url="http://sandbox.egoi.invalid", headers=HEADERS, timeout=5, transport=asgi)
    return Transport(http, RateLimiter(), max_retries=0, retry_backoff=0, direct=asgi)


def answer(response: httpx.Response) -> tuple[Any, ...]:
    return (response.status_code, response.headers.multi_items(), response.content, response.http_version)


@pytest.mark.anyio
async def test_a_given_transport_answers_as_httpx_does() -> None:
    transport = _direct_transport()
    request = transport._build_request("GET", "/lists/1/contacts", {"offset": 0, "limit": 25}, None)
    ours = await transport._deliver(request)
    assert ours.request is request and ours.is_closed
    assert answer(ours) == answer(await transport.http.send(request))
    assert ours.json() == {"path": "/lists/1/contacts", "query": "offset=0&limit=25", "cookie": None}


@pytest.mark.anyio
async def test_a_cookie_set_is_kept_and_sent_back() -> None:
    transport = _direct_transport()
    await transport.request("GET", "/login")
    assert (await transport.request("GET", "/lists"))["cookie"] == "session=s1"


@pytest.mark.anyio
async def test_event_hooks_still_see_every_request() -> None:
    transport = _direct_transport()
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    transport.http.event_hooks = {"request": [hook], "response": []}
    await transport.request("GET", "/lists")
    assert seen == ["/lists"]


@pytest.mark.anyio
async def test_nothing_is_sent_once_closed() -> None:
    transport = _direct_transport()
    await transport.http.aclose()
    with pytest.raises(RuntimeError, match="client has been closed"):
        await transport.request("GET", "/lists")
