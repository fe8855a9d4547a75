"""A sandbox account as the sandbox's tests drive it over its HTTP API: the key, a webhook receiver that records
what the sandbox posts, a clock moved by hand, and the calls the tests make (answers checked against E-goi's
OpenAPI where the tests say so). The fixtures are conftest.py's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from egoi_mcp.sandbox import Sandbox
from tests.sandbox_contract import contract

KEY = {"Apikey": "sandbox-test-key"}
HOOK_URL = "https://receiver.example.com/hooks/egoi?k=secret"
EMAIL_ACTIONS = ["email_send", "email_open", "email_click", "email_soft_bounce", "email_hard_bounce"]
APRIL = "Newsletter - April 2025"  # a seeded draft of list 1
SALE = "Spring sale - customers"  # a seeded draft of list 2


class Recorder:
    """A tiny webhook receiver: an ASGI app that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/hooks/egoi", self._receive, methods=["POST"])])

    async def _receive(self, request: Request) -> Response:
        self.received.append(await request.json())
        return Response(status_code=204)

    def actions(self, action: str) -> list[dict[str, Any]]:
        return [body for body in self.received if body["action"] == action]


class Clock:
    """The sandbox's time, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sandbox_of(app: Starlette) -> Sandbox:
    sandbox: Sandbox = app.state.sandbox
    return sandbox


async def create_contact(http: httpx.AsyncClient, list_id: int = 1, **base: Any) -> str:
    response = await http.post(f"/lists/{list_id}/contacts", json={"base": base})
    assert response.status_code == 201, response.text
    return response.json()["contact_id"]


async def register(http: httpx.AsyncClient, list_id: int, actions: list[str]) -> int:
    response = await http.post("/webhooks", json={"list_id": list_id, "url": HOOK_URL, "actions": actions})
    assert response.status_code == 200, response.text
    return response.json()["webhook_id"]


async def segment_ids(http: httpx.AsyncClient, list_id: int, segment_id: str, **params: Any) -> list[str]:
    response = await http.get(f"/lists/{list_id}/contacts/segment/{segment_id}", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return [item["base"]["contact_id"] for item in response.json()["items"]]


def hash_of(sandbox: Sandbox, name: str) -> str:
    return next(c.campaign_hash for c in sandbox.campaigns.values() if c.internal_name == name)


async def checked(http: httpx.AsyncClient, method: str, url: str, spec_path: str, **kwargs: Any) -> Any:
    """Call the sandbox, check the answer against E-goi's spec, and return its JSON."""
    response = await http.request(method, url, **kwargs)
    contract().check(method, spec_path, response)
    return response.json()


async def send(http: httpx.AsyncClient, campaign_hash: str, list_id: int = 1, **extra: Any) -> httpx.Response:
    body = {"list_id": list_id, "segments": {"type": "none"}, **extra}
    return await http.post(f"/campaigns/email/{campaign_hash}/actions/send", json=body)


async def report(http: httpx.AsyncClient, campaign_hash: str, **params: Any) -> dict[str, Any]:
    url = f"/reports/email/{campaign_hash}"
    result: dict[str, Any] = await checked(http, "GET", url, "/reports/email/{campaign_hash}", params=params)
    return result


async def timeline(http: httpx.AsyncClient, list_id: int, contact_id: str, **params: Any) -> list[dict[str, Any]]:
    url = f"/lists/{list_id}/contacts/{contact_id}/activities"
    spec_path = "/lists/{list_id}/contacts/{contact_id}/activities"
    body = await checked(http, "GET", url, spec_path, params={"limit": 1000, **params})
    items: list[dict[str, Any]] = body["items"]
    return items


async def operations(http: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    body = await checked(http, "GET", "/operations", "/operations", params=params)
    assert body["total_items"] == len(body["items"]) or "limit" in params
    items: list[dict[str, Any]] = body["items"]
    return items


async def act(http: httpx.AsyncClient, action: str, ids: list[int]) -> dict[str, Any]:
    path = f"/operations/actions/{action}"
    result: dict[str, Any] = await checked(http, "POST", path, path, json={"operations": ids})
    return result
