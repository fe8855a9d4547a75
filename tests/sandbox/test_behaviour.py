"""The sandbox behaves like an E-goi account: conflicts, erasure, unsubscribes, tags, segments, paging, auth and
limits (campaigns and webhooks: test_webhooks.py)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from egoi_mcp.sandbox import create_app
from tests.sandbox.account import (
    KEY,
    create_contact,
    sandbox_of,
    segment_ids,
)

pytestmark = pytest.mark.anyio


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
