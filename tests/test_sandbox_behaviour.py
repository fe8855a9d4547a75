"""The sandbox behaves like an E-goi account: conflicts, erasure, unsubscribes, tags, limits, webhooks."""

from __future__ import annotations

import ast
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import egoi_mcp.sandbox
from egoi_mcp.sandbox import Sandbox, create_app, serve
from egoi_mcp.sandbox.engagement import outcome

pytestmark = pytest.mark.anyio

KEY = {"Apikey": "sandbox-test-key"}
HOOK_URL = "https://receiver.example.com/hooks/egoi?k=secret"


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


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def app(recorder: Recorder) -> AsyncIterator[Starlette]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=recorder.app)) as deliver:
        yield create_app(deliver=deliver)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=KEY
    ) as client:
        yield client


def sandbox_of(app: Starlette) -> Sandbox:
    return app.state.sandbox


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


# -- contacts ------------------------------------------------------------------------------------


async def test_duplicate_email_is_409_naming_the_existing_contact(http: httpx.AsyncClient) -> None:
    existing = await create_contact(http, email="dup@example.com", first_name="First")
    response = await http.post("/lists/1/contacts", json={"base": {"email": "Dup@Example.com"}})
    assert response.status_code == 409
    errors = response.json()["errors"]
    assert errors["contacts"][0] == existing
    assert errors["field_id"] == "email"
    assert errors["unique_field_in_use"] == "A unique field is already being used"
    # The same address is welcome in another list, with its own contact id.
    assert await create_contact(http, 2, email="dup@example.com") != existing


async def test_new_contact_is_readable_and_searchable(http: httpx.AsyncClient) -> None:
    contact_id = await create_contact(http, email="zoe@example.org", first_name="Zoë", cellphone="351-910000000")
    assert len(contact_id) == 10 and contact_id == contact_id.lower() and int(contact_id, 16) >= 0
    body = (await http.get(f"/lists/1/contacts/{contact_id}")).json()
    assert body["base"]["first_name"] == "Zoë" and body["base"]["status"] == "active"
    assert body["base"]["subscription_date"][10] == " "  # YYYY-MM-DD HH:MM:SS
    found = await http.get("/contacts/search", params={"type": "cellphone", "contact": "351-910000000"})
    assert found.json() == {"items": [{"contact_id": contact_id, "list_id": 1}]}
    by_name = await http.get("/lists/1/contacts", params={"first_name": "zoë"})
    assert [item["base"]["contact_id"] for item in by_name.json()["items"]] == [contact_id]


async def test_invalid_fields_are_422_per_field(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/lists/1/contacts", json={"base": {"email": "nope", "cellphone": "912345678", "language": "xx"}}
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email", "cellphone", "language"}


async def test_forget_erases_the_contact(http: httpx.AsyncClient) -> None:
    contact_id = await create_contact(http, email="gone@example.com")
    response = await http.post("/lists/1/contacts/actions/forget", json={"contacts": [contact_id]})
    assert response.status_code == 202 and response.json() == {"result": "success"}
    assert (await http.get(f"/lists/1/contacts/{contact_id}")).status_code == 404
    assert (await http.get("/contacts/search", params={"contact": "gone@example.com"})).status_code == 404
    again = await http.post("/lists/1/contacts/actions/forget", json={"contacts": [contact_id]})
    assert again.status_code == 422 and contact_id in again.json()["errors"]["contacts"]


async def test_unsubscribe_marks_removed_and_reports_per_contact(http: httpx.AsyncClient) -> None:
    contact_id = await create_contact(http, email="bye@example.com")
    data = [{"contact_id": contact_id, "unsubscription_method": "api", "unsubscription_reason": "lack_of_time"}]
    response = await http.post("/lists/1/contacts/actions/unsubscribe", json={"data": data})
    assert response.status_code == 200
    assert response.json()["success"] == [contact_id]
    base = (await http.get(f"/lists/1/contacts/{contact_id}")).json()["base"]
    assert base["status"] == "removed"
    assert (base["unsubscription_method"], base["unsubscription_reason"]) == ("api", "lack_of_time")
    assert "unsubscription_date" in base
    again = (await http.post("/lists/1/contacts/actions/unsubscribe", json={"data": data})).json()
    assert again["success"] == [] and again["errors"]["contact_already_removed"] == [contact_id]
    assert contact_id not in await segment_ids(http, 1, "auto_1")


async def test_patch_changes_only_the_given_fields(http: httpx.AsyncClient) -> None:
    contact_id = await create_contact(http, email="pat@example.com", first_name="Pat", last_name="Doe")
    response = await http.patch(f"/lists/1/contacts/{contact_id}", json={"base": {"last_name": "Lee"}})
    assert response.status_code == 200 and response.json() == {"contact_id": contact_id}
    base = (await http.get(f"/lists/1/contacts/{contact_id}")).json()["base"]
    assert (base["first_name"], base["last_name"], base["email"]) == ("Pat", "Lee", "pat@example.com")


async def test_bulk_update_skips_removed_contacts(app: Starlette, http: httpx.AsyncClient) -> None:
    response = await http.post("/lists/1/contacts/actions/update", json={"type": "all", "base": {"language": "fr"}})
    assert response.status_code == 202
    for contact in sandbox_of(app).contacts_of(1):
        assert (contact.language == "fr") == (contact.status != "removed")


async def test_deactivate_then_activate(http: httpx.AsyncClient) -> None:
    contact_id = await create_contact(http, email="sleepy@example.com")
    body = {"type": "contacts", "contacts": [contact_id]}
    assert (await http.post("/lists/1/contacts/actions/deactivate", json=body)).status_code == 202
    assert (await http.get(f"/lists/1/contacts/{contact_id}")).json()["base"]["status"] == "inactive"
    assert (await http.post("/lists/1/contacts/actions/activate", json=body)).status_code == 202
    assert (await http.get(f"/lists/1/contacts/{contact_id}")).json()["base"]["status"] == "active"


# -- tags and segments ---------------------------------------------------------------------------


async def test_tag_attach_and_detach_show_on_the_contact_and_in_its_segment(http: httpx.AsyncClient) -> None:
    tag = (await http.post("/tags", json={"name": "webinar"})).json()
    assert tag["color"] == "#00AEDA"
    segment_id = f"tag_{tag['tag_id']}"
    contact_id = await create_contact(http, 2, email="tagged@example.com")
    listed = (await http.get("/lists/2/segments", params={"type": "tag"})).json()["items"]
    assert segment_id not in {item["segment_id"] for item in listed}

    body = {"tag_id": tag["tag_id"], "contacts": [contact_id]}
    assert (await http.post("/lists/2/contacts/actions/attach-tag", json=body)).status_code == 202
    assert tag["tag_id"] in (await http.get(f"/lists/2/contacts/{contact_id}")).json()["tags"]
    assert await segment_ids(http, 2, segment_id) == [contact_id]
    listed = (await http.get("/lists/2/segments", params={"type": "tag"})).json()["items"]
    assert {"segment_id": segment_id, "name": "webinar", "type": "tag"}.items() <= next(
        item for item in listed if item["segment_id"] == segment_id
    ).items()

    assert (await http.post("/lists/2/contacts/actions/detach-tag", json=body)).status_code == 202
    assert tag["tag_id"] not in (await http.get(f"/lists/2/contacts/{contact_id}")).json()["tags"]
    assert await segment_ids(http, 2, segment_id) == []


async def test_deleting_a_tag_removes_it_from_contacts(app: Starlette, http: httpx.AsyncClient) -> None:
    assert any(1 in c.tags for c in sandbox_of(app).contacts.values())
    assert (await http.delete("/tags/1")).status_code == 204
    assert not any(1 in c.tags for c in sandbox_of(app).contacts.values())
    assert (await http.get("/lists/1/contacts/segment/tag_1")).status_code == 404


async def test_segments_are_live(app: Starlette, http: httpx.AsyncClient) -> None:
    sandbox = sandbox_of(app)
    active = {c.contact_id for c in sandbox.contacts_of(1) if c.status == "active"}
    assert set(await segment_ids(http, 1, "auto_1")) == active
    portuguese = {c.contact_id for c in sandbox.contacts_of(1) if c.language == "pt" and c.status != "removed"}
    assert set(await segment_ids(http, 1, "seg_1")) == portuguese
    newcomer = await create_contact(http, email="nova@example.com", language="pt")
    assert newcomer in await segment_ids(http, 1, "seg_1")
    assert newcomer in await segment_ids(http, 1, "auto_1")
    leaver = next(c for c in sandbox.contacts_of(1) if c.language == "pt" and c.status == "active").contact_id
    await http.post("/lists/1/contacts/actions/unsubscribe", json={"data": [{"contact_id": leaver}]})
    assert leaver not in await segment_ids(http, 1, "seg_1")
    assert leaver in await segment_ids(http, 1, "seg_1", show_removed="true")


async def test_seed_is_believable_and_deterministic(app: Starlette) -> None:
    sandbox = sandbox_of(app)
    assert [lst.internal_name for lst in sandbox.lists.values()] == ["Newsletter", "Customers", "Events"]
    assert 25 <= len(sandbox.contacts) <= 35
    assert {c.status for c in sandbox.contacts.values()} >= {"active", "inactive", "removed"}
    assert all(c.email.endswith(("@example.com", "@example.org")) for c in sandbox.contacts.values())
    assert {c.status for c in sandbox.campaigns.values()} == {"draft", "sent"}
    assert all(c.title for c in sandbox.campaigns.values())
    assert list(create_app().state.sandbox.contacts) == list(sandbox.contacts)
    again = create_app().state.sandbox
    assert again.activities == sandbox.activities and len(sandbox.activities) > 60  # the same history
    assert [c.processed_messages for c in again.campaigns.values()] == [
        c.processed_messages for c in sandbox.campaigns.values()
    ]
    assert create_app(seed=False).state.sandbox.contacts == {}


# -- paging, auth and limits -----------------------------------------------------------------------


async def test_limit_bounds(http: httpx.AsyncClient) -> None:
    assert (await http.get("/lists/1/contacts", params={"limit": 1001})).status_code == 422
    assert (await http.get("/lists/1/contacts", params={"limit": 1000})).status_code == 200
    page = (await http.get("/lists/1/contacts", params={"limit": 5, "offset": 10})).json()
    assert page["total_items"] == 12 and len(page["items"]) == 2
    assert (await http.get("/campaigns")).json()["total_items"] == 5


async def test_auth() -> None:
    app = create_app(api_key="right")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as http:
        assert (await http.get("/lists")).status_code == 401
        assert (await http.get("/lists", headers={"Apikey": ""})).status_code == 401
        assert (await http.get("/lists", headers={"Apikey": "wrong"})).status_code == 403
        assert (await http.get("/lists", headers={"APIKEY": "right"})).status_code == 200
        assert (await http.post("/ping")).json() == {"result": "pong"}


async def test_rate_limit_is_429_with_headers() -> None:
    app = create_app(rate_limit=3)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=KEY
    ) as http:
        remaining = []
        for _ in range(3):
            response = await http.get("/tags")
            assert response.status_code == 200
            remaining.append(response.headers["X-RateLimit-Remaining"])
        assert remaining == ["2", "1", "0"]
        response = await http.get("/tags")
        assert response.status_code == 429
        assert response.json()["title"] == "Too Many Requests"
        assert response.headers["X-RateLimit-Limit"] == response.headers["X-Account-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == response.headers["X-Account-Remaining"] == "0"
        assert 0 < int(response.headers["X-RateLimit-Reset"]) <= 3600
        assert (await http.post("/ping")).status_code == 200


async def test_budget_resets_after_the_window() -> None:
    app = create_app(rate_limit=1)
    budget = app.state.budget
    now = [1000.0]
    budget.clock = lambda: now[0]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=KEY
    ) as http:
        assert (await http.get("/tags")).status_code == 200
        now[0] += 1800
        response = await http.get("/tags")
        assert response.status_code == 429 and response.headers["X-Account-Reset"] == "1800"
        now[0] += 1800
        assert (await http.get("/tags")).status_code == 200


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
