"""The writing job of issue 19 through a real MCP client, in both protocol eras, on the sandbox: a campaign created
from HTML, previewed (the checklist as text for every client, the inert document for the preview view of a client
that negotiated MCP Apps), edited, scheduled to a segment, and its report read naming who clicked -- five calls or
fewer after the preview. Also who reacted, list sizes and the prompts that use them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from egoi_mcp.apps.preview import PREVIEW_META
from egoi_mcp.server import EgoiServer
from egoi_mcp.untrusted import UNTRUSTED_META
from tests.conftest import ERAS, call, fails

pytestmark = pytest.mark.anyio

HTML = (
    "<h1>Summer at Acme</h1><p>New arrivals.</p><img src='https://cdn.acme.example/summer.jpg'>"
    "<a href='https://acme.example/summer'>Shop</a>"
)
FIXED = HTML.replace("<img src='https://cdn.acme.example/summer.jpg'>", "<img src='x.jpg' alt='Summer'>") + (
    "<p><a href='https://acme.example/unsubscribe'>Unsubscribe</a></p>"
)


class Counted:
    """A client whose tool calls are counted."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.calls = 0

    async def __call__(self, tool: str, /, **arguments: Any) -> dict[str, Any]:
        self.calls += 1
        return await call(self.client, tool, **arguments)


@pytest.mark.parametrize("mode", ERAS)
async def test_write_preview_edit_schedule_and_see_who_clicked(server: EgoiServer, mode: str) -> None:
    apps = Client(server.mcp, mode=mode, extensions=[advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})])
    async with apps as client:
        sandbox = server.current().sandbox
        assert sandbox is not None
        await call(client, "egoi_register_webhook", list_id=1)  # set up once: events name the contacts
        tool = Counted(client)

        created = await tool(
            "egoi_create_email_campaign", list_id=1, subject="Summer", sender="news@acme.example", html=HTML
        )
        campaign_id = created["id"]
        # The preview: the checklist as text (every client reads it in the result) and, for this client that
        # negotiated MCP Apps, the inert document the preview view draws.
        result = await client.call_tool("egoi_get_campaign", {"campaign_id": campaign_id})
        checklist = json.loads(result.content[0].text)["content"]["checklist"]  # type: ignore[union-attr]
        assert checklist == [
            "fix: no unsubscribe link (recipients and inbox providers expect one)",
            "fix: 1 of 1 image(s) without alt text",
            "ok: 0.1 KB, under Gmail's 102 KB clipping",
            "ok: 1 link(s), listed in links",
        ]
        document = (result.meta or {})[PREVIEW_META]["document"]
        assert "Summer at Acme" in document and "<img" not in document and "cdn.acme.example" not in document
        tool.calls = 0  # from here: five calls or fewer

        changed = await tool("egoi_update_email_campaign", campaign_id=campaign_id, subject="Summer sale", html=FIXED)
        assert all(line.startswith("ok:") for line in changed["content"]["checklist"]), changed["content"]
        at = (datetime.now(UTC) + timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
        preview = await tool(
            "egoi_send_email_to_segment", campaign_id=campaign_id, segment_id="auto_1", send_at=at.isoformat()
        )
        assert preview["status"] == "confirmation_required" and f"at {at:%Y-%m-%d} 18:00 UTC" in preview["summary"]
        done = await tool("egoi_send_email_to_segment", **preview["call_again_with"])
        assert done["status"] == "done" and "scheduled" in done["summary"]

        sandbox.clock = lambda: at + timedelta(minutes=1)  # 18:00 tomorrow comes: the scheduled send runs
        await sandbox.drain()
        report = await tool("egoi_get_campaign_report", campaign_id=campaign_id, who="clicked", limit=100)
        assert tool.calls <= 5
        clicked = {
            c.email for c in sandbox.contacts_of(1)
            if c.email_stats.clicks and c.status == "active"
        }  # fmt: skip
        named = {c["email"] for c in report["reacted"]["contacts"]}
        assert report["sent"] > 0 and report["clicks"] == len(named) > 0
        assert named == clicked and report["reacted"]["who"] == "clicked"
        assert all(c["trigger"] == "email_clicked" and c["contact_id"] for c in report["reacted"]["contacts"])


async def test_a_client_without_apps_gets_the_checklist_and_no_document(client: Client) -> None:
    arguments = {"list_id": 1, "subject": "Summer", "sender": "news@acme.example", "html": HTML}
    created = await client.call_tool("egoi_create_email_campaign", arguments)
    result = await client.call_tool("egoi_get_campaign", {"campaign_id": created.structured_content["id"]})  # type: ignore[index]
    assert PREVIEW_META not in (created.meta or {}) and PREVIEW_META not in (result.meta or {})
    assert "fix: no unsubscribe link" in result.content[0].text  # type: ignore[union-attr]


async def test_who_reacted_is_paged_and_bounced_covers_both_kinds(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    await call(client, "egoi_register_webhook", list_id=1)
    drafts = [c for c in sandbox.campaigns.values() if c.list_id == 1 and c.status == "draft"]
    preview = await call(client, "egoi_send_email_to_segment", campaign_id=drafts[0].campaign_hash, segment_id="auto_1")
    await call(client, "egoi_send_email_to_segment", **preview["call_again_with"])
    await sandbox.drain()
    campaign_id = drafts[0].campaign_hash

    events = await call(client, "egoi_list_events", campaign_id=campaign_id, limit=100)
    by_trigger: dict[str, list[str]] = {}
    for event in events["items"]:
        by_trigger.setdefault(event["trigger"], [])
        if event["email"] not in by_trigger[event["trigger"]]:
            by_trigger[event["trigger"]].append(event["email"])
    opened = by_trigger["email_opened"]
    assert len(opened) >= 2, by_trigger

    first = await call(client, "egoi_get_campaign_report", campaign_id=campaign_id, who="opened", limit=1)
    rest = await call(
        client, "egoi_get_campaign_report", campaign_id=campaign_id, who="opened", limit=100,
        cursor=first["reacted"]["next_cursor"],
    )  # fmt: skip
    pages = [c["email"] for c in first["reacted"]["contacts"]] + [c["email"] for c in rest["reacted"]["contacts"]]
    assert pages[0] == opened[0] and set(pages) == set(opened), "newest first, every opener, across pages"
    assert rest["reacted"].get("next_cursor") is None

    labelled = await client.call_tool("egoi_get_campaign_report", {"campaign_id": campaign_id, "who": "opened"})
    assert {"reacted.contacts[].email", "reacted.contacts[].contact_id"} <= set((labelled.meta or {})[UNTRUSTED_META])
    bounced = await call(client, "egoi_get_campaign_report", campaign_id=campaign_id, who="bounced")
    expected = set(by_trigger.get("email_soft_bounced", []) + by_trigger.get("email_hard_bounced", []))
    assert {c["email"] for c in bounced["reacted"]["contacts"]} == expected
    plain = await call(client, "egoi_get_campaign_report", campaign_id=campaign_id)
    assert "reacted" not in plain or plain["reacted"] is None, "without who the report is as before"
    error = await fails(client, "egoi_get_campaign_report", campaign_id=campaign_id, who="loved")
    assert "'opened', 'clicked', 'bounced' or 'unsubscribed'" in error


async def test_without_a_webhook_the_report_says_the_numbers_are_totals(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    sent = next(c for c in sandbox.campaigns.values() if c.status == "sent")
    report = await call(client, "egoi_get_campaign_report", campaign_id=sent.campaign_hash, who="clicked")
    assert report["reacted"]["contacts"] == []
    note = report["reacted"]["note"]
    assert note.startswith("the numbers are E-goi's totals") and f"list {sent.list_id}" in note
    assert "egoi_register_webhook" in note


async def test_list_sizes_as_egoi_counts_them(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    plain = await call(client, "egoi_list_lists")
    assert all("subscribers" not in item for item in plain["items"]), "counts cost a call per list: asked for"
    before = sandbox.budget.used
    page = await call(client, "egoi_list_lists", counts=True)
    assert sandbox.budget.used - before == 1 + len(page["items"]), "one listing, then one call per list shown"
    for item in page["items"]:
        contacts = sandbox.contacts_of(item["id"])
        statuses = [c.status for c in contacts]
        assert item["subscribers"] == {
            "total": len(contacts), "active": statuses.count("active"), "unsubscribed": statuses.count("removed"),
            "inactive": statuses.count("inactive"), "unconfirmed": statuses.count("unconfirmed"),
        }  # fmt: skip


async def test_the_prompts_use_the_campaign_filter_and_the_list_counts(client: Client) -> None:
    review = (await client.get_prompt("campaign_review", {"campaign_id": "abc123"})).messages[0].content
    assert 'egoi_list_events(campaign_id="abc123"' in review.text  # type: ignore[union-attr]
    health = (await client.get_prompt("list_health", {"list_id": "1"})).messages[0].content
    assert "egoi_list_lists(counts=true)" in health.text and "unsubscribed" in health.text  # type: ignore[union-attr]
