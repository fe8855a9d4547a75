"""The sandbox serves a marketer's jobs: sends wait in the operations queue until their time and can be paused,
resumed or cancelled; refused sends change nothing; tag segments hold exactly the tagged contacts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette

from egoi_mcp.sandbox import create_app
from tests.sandbox.account import (
    APRIL,
    EMAIL_ACTIONS,
    HOOK_URL,
    KEY,
    SALE,
    Clock,
    Recorder,
    act,
    checked,
    hash_of,
    operations,
    report,
    sandbox_of,
    send,
)
from tests.sandbox_contract import contract

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> Clock:
    return Clock()


# -- the operations queue --------------------------------------------------------------------------


async def test_a_scheduled_send_waits_for_its_time(
    app: Starlette, http: httpx.AsyncClient, recorder: Recorder, clock: Clock
) -> None:
    sandbox = sandbox_of(app)
    await http.post("/webhooks", json={"list_id": 1, "url": HOOK_URL, "actions": EMAIL_ACTIONS})
    campaign_hash = hash_of(sandbox, APRIL)
    response = await send(http, campaign_hash, schedule_date="2026-06-01T18:00:00Z")
    assert response.status_code == 200 and response.json() == {"result": "success"}

    (queued,) = await operations(http, type="email")
    assert queued["type"] == "email" and queued["status"] == "queued"
    assert queued["operation_data"] == {"internal_name": APRIL, "campaign_hash": campaign_hash}
    assert (queued["created"], queued["start_date"]) == ("2026-06-01 09:00:00", "2026-06-01 18:00:00")
    campaign = (await http.get("/campaigns", params={"campaign_hash": campaign_hash})).json()["items"][0]
    assert campaign["status"] == "queued"
    assert campaign["schedule_date"] == {"enabled": True, "date": "2026-06-01 18:00:00"}
    assert await operations(http, type="sms") == []

    clock.advance(hours=8, minutes=59, seconds=59)
    await sandbox.drain()  # drain does not hurry a scheduled send
    assert len(await operations(http)) == 1 and recorder.received == []
    clock.advance(seconds=1)
    assert await operations(http) == []  # the first request after its time runs it
    await sandbox.drain()
    assert recorder.actions("email_send")
    assert {b["event_date"] for b in recorder.received} == {"2026-06-01 18:00:00"}
    assert (await report(http, campaign_hash))["overall"]["sends"] == len(recorder.actions("email_send"))
    campaign = (await http.get("/campaigns", params={"campaign_hash": campaign_hash})).json()["items"][0]
    assert campaign["status"] == "sent" and campaign["processed_messages"] == len(recorder.actions("email_send"))


async def test_a_cancelled_send_sends_nothing(
    app: Starlette, http: httpx.AsyncClient, recorder: Recorder, clock: Clock
) -> None:
    sandbox = sandbox_of(app)
    await http.post("/webhooks", json={"list_id": 1, "url": HOOK_URL, "actions": EMAIL_ACTIONS})
    campaign_hash = hash_of(sandbox, APRIL)
    await send(http, campaign_hash, schedule_date="2026-06-02 08:00:00")
    (queued,) = await operations(http)
    assert await act(http, "cancel", [queued["operation_id"], 99]) == {
        "success": [queued["operation_id"]],
        "error": {"invalid_operation_action": [], "operation_not_found": [99]},
    }
    assert await operations(http) == []
    campaign = (await http.get("/campaigns", params={"campaign_hash": campaign_hash})).json()["items"][0]
    assert campaign["status"] == "canceled" and campaign["schedule_date"] == {"enabled": False}
    clock.advance(days=2)
    await sandbox.drain()
    assert recorder.received == []
    assert (await report(http, campaign_hash))["overall"]["sends"] == 0
    again = await act(http, "cancel", [queued["operation_id"]])
    assert again["success"] == [] and again["error"]["operation_not_found"] == [queued["operation_id"]]
    assert (await send(http, campaign_hash)).status_code == 200  # a cancelled campaign can be sent again


async def test_an_immediate_send_is_queued_briefly_and_can_be_stopped(
    app: Starlette, http: httpx.AsyncClient, recorder: Recorder, clock: Clock
) -> None:
    sandbox = sandbox_of(app)
    await http.post("/webhooks", json={"list_id": 1, "url": HOOK_URL, "actions": EMAIL_ACTIONS})
    campaign_hash = hash_of(sandbox, APRIL)
    await send(http, campaign_hash)
    (queued,) = await operations(http, status="queued")
    assert queued["start_date"] == "2026-06-01 09:00:05"  # five seconds to change one's mind
    await act(http, "cancel", [queued["operation_id"]])
    clock.advance(minutes=1)
    await http.get("/operations")
    assert recorder.received == []

    await send(http, campaign_hash)
    clock.advance(seconds=5)
    assert await operations(http) == []
    await sandbox.drain()
    assert recorder.actions("email_send")


async def test_pause_and_resume(app: Starlette, http: httpx.AsyncClient, recorder: Recorder, clock: Clock) -> None:
    sandbox = sandbox_of(app)
    await http.post("/webhooks", json={"list_id": 2, "url": HOOK_URL, "actions": ["email_send"]})
    campaign_hash = hash_of(sandbox, SALE)
    await send(http, campaign_hash, 2, schedule_date="2026-06-01 10:00:00")
    (queued,) = await operations(http)
    op = queued["operation_id"]
    assert await act(http, "resume", [op]) == {
        "success": [],
        "error": {"invalid_operation_action": [op], "operation_not_found": []},
    }
    assert (await act(http, "pause", [op]))["success"] == [op]
    assert (await act(http, "pause", [op]))["error"]["invalid_operation_action"] == [op]
    (paused,) = await operations(http, status="paused")
    assert paused["operation_id"] == op and await operations(http, status="queued") == []
    assert (await http.get("/campaigns", params={"campaign_hash": campaign_hash})).json()["items"][0]["status"] == (
        "paused"
    )
    clock.advance(hours=2)
    await sandbox.drain()
    assert len(await operations(http)) == 1 and recorder.received == []  # paused: its time passes, it waits
    assert (await act(http, "resume", [op]))["success"] == [op]
    assert await operations(http) == []  # past its time: it runs at once
    await sandbox.drain()
    assert recorder.actions("email_send")


async def test_the_queue_runs_on_its_own(recorder: Recorder) -> None:
    """Without any request: a timer runs the send when its time comes (here at once)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=recorder.app)) as deliver:
        app = create_app(deliver=deliver, send_delay=timedelta(0))
        sandbox = sandbox_of(app)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=KEY
        ) as http:
            await http.post("/webhooks", json={"list_id": 1, "url": HOOK_URL, "actions": ["email_send"]})
            await send(http, hash_of(sandbox, APRIL))
        for _ in range(100):
            if not sandbox.queue.operations:
                break
            await anyio.sleep(0)
        assert not sandbox.queue.operations
        await sandbox.delivery.drain()  # only the deliveries: the queue already ran
        assert recorder.actions("email_send")
        await sandbox.aclose()


async def test_operations_order_and_validation(app: Starlette, http: httpx.AsyncClient) -> None:
    sandbox = sandbox_of(app)
    await send(http, hash_of(sandbox, APRIL), schedule_date="2026-06-03 09:00:00")
    await send(http, hash_of(sandbox, SALE), 2, schedule_date="2026-06-02 09:00:00")
    assert [o["operation_id"] for o in await operations(http)] == [2, 1]
    assert [o["operation_id"] for o in await operations(http, order_by="start_date", order="asc")] == [2, 1]
    page = (await http.get("/operations", params={"limit": 1, "offset": 1})).json()
    assert page["total_items"] == 2 and [o["operation_id"] for o in page["items"]] == [1]
    for body in ({"operations": []}, {"operations": [0]}, {"operations": [True]}, {"ops": [1]}, "[1]"):
        response = await http.post("/operations/actions/cancel", json=body)
        assert response.status_code == 422, body
    assert len(await operations(http)) == 2


# -- sends that are refused change nothing ---------------------------------------------------------


async def test_sends_refuse_what_is_not_in_the_campaigns_list(
    app: Starlette, http: httpx.AsyncClient, recorder: Recorder
) -> None:
    sandbox = sandbox_of(app)
    await http.post("/webhooks", json={"list_id": 1, "url": HOOK_URL, "actions": EMAIL_ACTIONS})
    campaign_hash = hash_of(sandbox, APRIL)
    only_in_list_2 = "miguel.almeida@example.com"
    refused = [
        ({"segments": {"type": "segment", "data": ["seg_2"]}}, "segments"),  # list 2's saved segment
        ({"segments": {"type": "segment", "data": ["auto_1", "seg_404"]}}, "segments"),
        ({"segments": {"type": "contact", "data": only_in_list_2}}, "segments"),
        ({"segments": {"type": "contact", "data": "lucia.garcia@example.com"}}, "segments"),  # inactive
        ({"list_id": 2}, "list_id"),  # not the campaign's list
        ({"schedule_date": "tomorrow"}, "schedule_date"),
        ({"schedule_date": "2026-06-01 08:59:59"}, "schedule_date"),  # the past
    ]
    for change, field in refused:
        response = await http.post(
            f"/campaigns/email/{campaign_hash}/actions/send",
            json={"list_id": 1, "segments": {"type": "none"}, **change},
        )
        assert response.status_code == 422, change
        assert field in response.json()["errors"], change
        contract().check("POST", "/campaigns/email/{campaign_hash}/actions/send", response)
    assert await operations(http) == []
    await sandbox.drain()
    assert recorder.received == []
    assert sandbox.campaigns[campaign_hash].status == "draft"


async def test_a_campaign_may_have_several_sends_queued(app: Starlette, http: httpx.AsyncClient) -> None:
    sandbox = sandbox_of(app)
    campaign_hash = hash_of(sandbox, APRIL)

    async def campaign() -> dict[str, Any]:
        found: dict[str, Any] = (await http.get("/campaigns", params={"campaign_hash": campaign_hash})).json()
        return found["items"][0]

    vip = {"type": "segment", "data": ["tag_1"]}
    assert (await send(http, campaign_hash, schedule_date="2026-06-05 09:00:00")).status_code == 200
    assert (await send(http, campaign_hash, segments=vip, schedule_date="2026-06-04 09:00:00")).status_code == 200
    first, second = sorted(o["operation_id"] for o in await operations(http))
    assert (await campaign())["schedule_date"] == {"enabled": True, "date": "2026-06-04 09:00:00"}
    response = await http.delete("/lists/1")
    assert response.status_code == 409 and "has_queued_operations" in response.json()["errors"]

    await act(http, "pause", [second])
    assert (await campaign())["status"] == "queued"  # one still waits
    await act(http, "pause", [first])
    assert (await campaign())["status"] == "paused"
    await act(http, "cancel", [second])
    assert (await campaign())["schedule_date"] == {"enabled": True, "date": "2026-06-05 09:00:00"}
    await act(http, "resume", [first])
    await act(http, "cancel", [first])
    assert (await campaign())["status"] == "canceled"

    await send(http, campaign_hash)
    await sandbox.drain()
    await send(http, campaign_hash, schedule_date="2026-06-06 09:00:00")
    (again,) = await operations(http)
    await act(http, "cancel", [again["operation_id"]])
    assert (await campaign())["status"] == "sent"  # a campaign that went out stays sent


# -- segments and filters --------------------------------------------------------------------------


async def test_a_tag_segment_holds_exactly_the_tagged_contacts(app: Starlette, http: httpx.AsyncClient) -> None:
    sandbox = sandbox_of(app)

    async def members(list_id: int, segment_id: str, **params: Any) -> set[str]:
        url = f"/lists/{list_id}/contacts/segment/{segment_id}"
        spec_path = "/lists/{list_id}/contacts/segment/{segment_id}"
        body = await checked(http, "GET", url, spec_path, params={"limit": 1000, **params})
        assert body["total_items"] == len(body["items"])
        return {item["base"]["contact_id"] for item in body["items"]}

    for list_id in sandbox.lists:
        listed = (await http.get(f"/lists/{list_id}/segments", params={"type": "tag", "limit": 100})).json()["items"]
        for tag_id in sandbox.tags:
            tagged = {c.contact_id for c in sandbox.contacts_of(list_id) if tag_id in c.tags}
            visible = {c for c in tagged if sandbox.contacts[c].status != "removed"}
            assert await members(list_id, f"tag_{tag_id}") == visible
            assert await members(list_id, f"tag_{tag_id}", show_removed="true") == tagged
            assert (f"tag_{tag_id}" in {s["segment_id"] for s in listed}) == bool(tagged)
    vip = next(t.tag_id for t in sandbox.tags.values() if t.name == "vip")
    someone = next(c for c in sandbox.contacts_of(1) if vip not in c.tags and c.status == "active").contact_id
    await http.post("/lists/1/contacts/actions/attach-tag", json={"tag_id": vip, "contacts": [someone]})
    assert someone in await members(1, f"tag_{vip}")
    await http.post("/lists/1/contacts/actions/detach-tag", json={"tag_id": vip, "contacts": [someone]})
    assert someone not in await members(1, f"tag_{vip}")


async def test_contact_filters(http: httpx.AsyncClient) -> None:
    async def emails(**params: Any) -> set[str]:
        body = await checked(http, "GET", "/lists/1/contacts", "/lists/{list_id}/contacts", params=params)
        return {item["base"]["email"] for item in body["items"]}

    assert await emails(first_name="ANA") == {"ana.silva@example.com"}
    assert await emails(language="fr") == {"chloe.dubois@example.org"}
    assert await emails(cellphone="351-914567890") == {"sofia.rodrigues@example.com"}
    assert await emails(email_status="false") == set()
    assert len(await emails(email_status="true", limit=100)) == 12
    for params in ({"extra_field_id[3]": "x"}, {"birth_date": "yesterday"}, {"language": "hu"}):
        response = await http.get("/lists/1/contacts", params=params)
        assert response.status_code == 422, params
        contract().check("GET", "/lists/{list_id}/contacts", response)


# -- the budget says what resets it ----------------------------------------------------------------


async def test_a_spent_budget_says_what_resets_it() -> None:
    app = create_app()
    app.state.budget.used = app.state.budget.limit
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=KEY
    ) as http:
        response = await http.get("/lists")
    assert response.status_code == 429
    detail = response.json()["detail"]
    assert "The sandbox allows 5,000 calls an hour" in detail
    assert "restarting the sandbox (egoi-mcp --sandbox, or egoi-mcp sandbox) resets them" in detail
    assert "about 60 min" in detail and "EGOI_RATE_LIMIT_PER_HOUR does not change" in detail
    contract().check("GET", "/lists", response)
