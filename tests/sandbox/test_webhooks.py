"""The sandbox behaves like an E-goi account: what it posts as webhooks, sends to a contact and to a segment, a list
deleted, and how it is served."""

from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

import egoi_mcp.sandbox
from egoi_mcp.sandbox import Sandbox, create_app, serve
from egoi_mcp.sandbox.engagement import outcome
from tests.sandbox.account import (
    HOOK_URL,
    KEY,
    Recorder,
    create_contact,
    register,
    sandbox_of,
    segment_ids,
)

pytestmark = pytest.mark.anyio


# -- campaigns and webhooks ----------------------------------------------------------------------


def campaign_of(sandbox: Sandbox, list_id: int, status: str = "draft") -> str:
    return next(c.campaign_hash for c in sandbox.campaigns.values() if c.list_id == list_id and c.status == status)


async def test_webhooks_deliver_what_happens(app: Starlette, http: httpx.AsyncClient, recorder: Recorder) -> None:
    sandbox = sandbox_of(app)
    actions = ["subscription", "unsubscribe", "edit_subscription", "forget_subscription"]
    actions += ["email_send", "email_open", "email_click"]
    await register(http, 1, actions)
    await register(http, 2, actions)  # another list: hears nothing of list 1

    contact_id = await create_contact(http, email="hook@example.com", first_name="Hook", cellphone="351-919999999")
    await sandbox.drain()
    (created,) = recorder.received
    assert set(created) == {
        "action",
        "list_id",
        "contact_id",
        "email",
        "campaign_hash",
        "event_date",
        "delivery_id",
        "contact",
    }
    assert created["action"] == "subscription" and created["list_id"] == 1 and created["campaign_hash"] is None
    assert created["contact"] == {
        "contact_id": contact_id,
        "email": "hook@example.com",
        "first_name": "Hook",
        "last_name": "",
        "cellphone": "351-919999999",
        "status": "active",
    }

    await http.patch(f"/lists/1/contacts/{contact_id}", json={"base": {"last_name": "Hooker"}})
    data = [{"contact_id": contact_id, "unsubscription_method": "api"}]
    await http.post("/lists/1/contacts/actions/unsubscribe", json={"data": data})
    await sandbox.drain()
    assert [body["action"] for body in recorder.received[1:]] == ["edit_subscription", "unsubscribe"]
    assert recorder.received[-1]["contact"]["status"] == "removed"

    campaign_hash = campaign_of(sandbox, 1)
    recorder.received.clear()
    response = await http.post(
        f"/campaigns/email/{campaign_hash}/actions/send", json={"list_id": 1, "segments": {"type": "none"}}
    )
    assert response.status_code == 200 and response.json() == {"result": "success"}
    await sandbox.drain()
    recipients = {c.contact_id for c in sandbox.contacts_of(1) if c.status == "active"}
    sends, opens, clicks = (recorder.actions(a) for a in ("email_send", "email_open", "email_click"))
    assert {body["contact_id"] for body in sends} == recipients and len(sends) == len(recipients)
    assert {body["campaign_hash"] for body in sends + opens + clicks} == {campaign_hash}
    outcomes = {c: outcome(campaign_hash, c) for c in recipients}
    assert sorted(body["contact_id"] for body in opens) == sorted(
        c for c, o in outcomes.items() for _ in range(o.opens)
    )
    assert {body["contact_id"]: body["url"] for body in clicks} == {c: o.click for c, o in outcomes.items() if o.click}
    assert "url" not in sends[0] and "url" not in opens[0]
    clicked, opened = {body["contact_id"] for body in clicks}, {body["contact_id"] for body in opens}
    assert clicked < opened < recipients and clicked
    assert [body["action"] for body in recorder.received][: len(sends)] == ["email_send"] * len(sends)
    assert len({body["delivery_id"] for body in recorder.received}) == len(recorder.received)
    assert {body["list_id"] for body in recorder.received} == {1}

    campaign = (await http.get("/campaigns", params={"campaign_hash": campaign_hash})).json()["items"][0]
    assert campaign["status"] == "sent" and campaign["processed_messages"] == len(recipients)
    some = next(iter(opened))
    stats = (await http.get(f"/lists/1/contacts/{some}")).json()["email_stats"]
    assert stats["sent"] >= 1 and stats["opens"] >= 1 and stats["last_open_date"]
    assert some in await segment_ids(http, 1, "auto_2")

    recorder.received.clear()
    await http.post("/lists/1/contacts/actions/forget", json={"contacts": [some]})
    await sandbox.drain()
    assert [(b["action"], b["contact_id"]) for b in recorder.received] == [("forget_subscription", some)]


async def test_webhook_fields_add_contact_fields(app: Starlette, http: httpx.AsyncClient, recorder: Recorder) -> None:
    body = {"list_id": 1, "url": HOOK_URL, "actions": ["subscription"], "fields": ["language", "__class__"]}
    assert (await http.post("/webhooks", json=body)).json()["fields"] == ["language", "__class__"]
    await create_contact(http, email="fields@example.com", language="de")
    await sandbox_of(app).drain()
    (delivered,) = recorder.received
    assert delivered["contact"]["language"] == "de" and "__class__" not in delivered["contact"]


async def test_only_registered_actions_are_delivered(
    app: Starlette, http: httpx.AsyncClient, recorder: Recorder
) -> None:
    await register(http, 1, ["unsubscribe"])
    await create_contact(http, email="quiet@example.com")
    await sandbox_of(app).drain()
    assert recorder.received == []


async def test_send_to_one_contact_and_to_a_segment(
    app: Starlette, http: httpx.AsyncClient, recorder: Recorder
) -> None:
    sandbox = sandbox_of(app)
    await register(http, 2, ["email_send"])
    campaign_hash = campaign_of(sandbox, 2)
    url = f"/campaigns/email/{campaign_hash}/actions/send"
    response = await http.post(
        url, json={"list_id": 2, "segments": {"type": "contact", "data": "rui.gomes@example.com"}}
    )
    assert response.status_code == 200
    await sandbox.drain()
    assert [body["email"] for body in recorder.received] == ["rui.gomes@example.com"]

    recorder.received.clear()
    response = await http.post(url, json={"list_id": 2, "segments": {"type": "segment", "data": ["tag_1", "tag_3"]}})
    assert response.status_code == 200
    await sandbox.drain()
    tagged = {c.contact_id for c in sandbox.contacts_of(2) if c.tags & {1, 3} and c.status == "active"}
    assert {body["contact_id"] for body in recorder.received} == tagged


async def test_send_errors_are_422(app: Starlette, http: httpx.AsyncClient) -> None:
    sandbox = sandbox_of(app)
    campaign_hash = campaign_of(sandbox, 2)
    url = f"/campaigns/email/{campaign_hash}/actions/send"
    cases = [
        ({"list_id": 2, "segments": {"type": "contact", "data": "nobody@example.com"}}, "segments"),
        ({"list_id": 2, "segments": {"type": "contact", "data": "lucas.martin@example.org"}}, "segments"),  # removed
        ({"list_id": 2, "segments": {"type": "segment", "data": ["seg_1"]}}, "segments"),  # list 1's segment
        ({"list_id": 1, "segments": {"type": "none"}}, "list_id"),  # not the campaign's list
        ({"segments": {"type": "none"}}, "list_id"),
    ]
    for body, field in cases:
        response = await http.post(url, json=body)
        assert response.status_code == 422, body
        assert field in response.json()["errors"], body
    response = await http.post(
        "/campaigns/email/unknown/actions/send", json={"list_id": 2, "segments": {"type": "none"}}
    )
    assert response.status_code == 422 and "campaign_hash" in response.json()["errors"]


async def test_delivery_failures_never_fail_the_api(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as deliver:
        app = create_app(deliver=deliver)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=KEY
        ) as http:
            await register(http, 1, ["subscription"])
            with caplog.at_level(logging.DEBUG, logger="egoi_mcp.sandbox"):
                await create_contact(http, email="unlucky@example.com")
                await app.state.sandbox.drain()
    assert app.state.sandbox.delivery.pending == 0
    messages = [r.getMessage() for r in caplog.records if r.name == "egoi_mcp.sandbox"]
    assert any("failed" in m and "https://receiver.example.com" in m for m in messages)
    assert not any("secret" in m for m in messages)


async def test_delete_list_cascades_and_refuses_after_a_recent_send(http: httpx.AsyncClient, app: Starlette) -> None:
    sandbox = sandbox_of(app)
    await register(http, 3, ["subscription"])
    assert (await http.delete("/lists/3")).status_code == 204
    assert not sandbox.contacts_of(3) and not sandbox.webhooks
    assert all(c.list_id != 3 for c in sandbox.campaigns.values())
    assert (await http.get("/lists/3")).status_code == 404

    campaign_hash = campaign_of(sandbox, 2)
    await http.post(f"/campaigns/email/{campaign_hash}/actions/send", json={"list_id": 2, "segments": {"type": "none"}})
    response = await http.delete("/lists/2")
    assert response.status_code == 409 and "has_queued_operations" in response.json()["errors"]
    await sandbox.drain()  # the send runs
    response = await http.delete("/lists/2")
    assert response.status_code == 409 and "has_campaigns_last_thirty_days" in response.json()["errors"]


async def test_aclose_drains() -> None:
    app = create_app()
    await app.state.sandbox.aclose()
    assert app.state.sandbox.delivery.pending == 0


# -- serving -------------------------------------------------------------------------------------


def test_serve_runs_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    serve(port=8123)
    ((app, kwargs),) = calls
    assert isinstance(app.state.sandbox, Sandbox)
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.1", 8123)


def test_no_module_imports_uvicorn_at_import_time() -> None:
    """uvicorn is imported inside `serve` only: importing the sandbox stays light."""
    package = Path(egoi_mcp.sandbox.__file__).parent
    for source in package.rglob("*.py"):
        for node in ast.parse(source.read_text(encoding="utf-8")).body:
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.split(".")[0] == "uvicorn" for name in names), source
