"""The marketer's jobs (issue 10) through a real MCP client, in both protocol eras, on the sandbox: each is one or
two tool calls, and their answers agree (report counts = events received = activities). Also the send previews'
refusals and warnings, cancelling, the events' explanations, and the MCP Apps views on the real server."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from egoi_mcp.apps import EVENTS_URI, REPORT_URI
from egoi_mcp.server import EgoiServer, build_server
from egoi_mcp.untrusted import quote
from tests.conftest import ERAS, call, every_tool, fails, make_settings

pytestmark = pytest.mark.anyio


async def confirmed(client: Client, tool: str, /, **arguments: Any) -> dict[str, Any]:
    """A destructive tool's preview, then the call it says to make."""
    preview = await call(client, tool, **arguments)
    assert preview["status"] == "confirmation_required", preview
    return await call(client, tool, **preview["call_again_with"])


def draft_campaign(server: EgoiServer, list_id: int = 1) -> tuple[str, str]:
    sandbox = server.current().sandbox
    assert sandbox is not None
    drafts = [c for c in sandbox.campaigns.values() if c.list_id == list_id and c.status == "draft"]
    return drafts[0].campaign_hash, drafts[0].internal_name


async def test_the_five_jobs_agree(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None

    # "Who in list 1 is tagged vip?" -- one call, with the tag names on every contact.
    vip = await call(client, "egoi_list_contacts", list_id=1, tag="vip")
    expected = {c.email for c in sandbox.contacts_of(1) if "vip" in {sandbox.tags[t].name for t in c.tags}}
    expected_shown = {c.email for c in sandbox.contacts_of(1) if c.status != "removed"} & expected
    assert {c["email"] for c in vip["items"]} == expected_shown and vip["total"] == len(expected_shown)
    assert all("vip" in [t["name"] for t in c["tags"]] for c in vip["items"])

    # Send a draft campaign to the list's active contacts, with a webhook pointing here.
    await call(client, "egoi_register_webhook", list_id=1)
    campaign_id, name = draft_campaign(server)
    done = await confirmed(client, "egoi_send_email_to_segment", campaign_id=campaign_id, segment_id="auto_1")
    assert done["status"] == "done"
    await sandbox.drain()

    # "How did campaign X do?" -- list campaigns, then the report: two calls.
    campaigns = await call(client, "egoi_list_campaigns", list_id=1, limit=100)
    assert campaign_id in [c["id"] for c in campaigns["items"]]
    report = await call(client, "egoi_get_campaign_report", campaign_id=campaign_id)
    assert report["campaign_id"] == campaign_id and report["name"] == name
    assert report["sent"] > 0 and report["summary"].startswith(f"{report['sent']:,} sent")

    events = await call(client, "egoi_list_events", list_id=1, limit=100)
    ours = [e for e in events["items"] if e.get("campaign_id") == campaign_id]
    assert all(e["campaign_name"] == name for e in ours), "events name their campaign"
    recent = json.loads((await client.read_resource("egoi://events/recent")).contents[0].text)
    assert {e["campaign_name"] for e in recent if e.get("campaign_id") == campaign_id} == {name}, "resources too"
    triggers = Counter(e["trigger"] for e in ours)
    assert report["sent"] == triggers["email_sent"]
    assert report["opens"] == triggers["email_opened"]
    assert report["clicks"] == triggers["email_clicked"]
    assert report["soft_bounces"] == triggers["email_soft_bounced"]

    # "What has contact Y done?" -- find by e-mail, then the timeline: two calls.
    opener = next(e["email"] for e in ours if e["trigger"] == "email_opened")
    found = await call(client, "egoi_search_contacts", query=opener, list_id=1)
    (contact,) = found["items"]
    activity = await call(client, "egoi_get_contact_activity", contact_id=contact["id"], list_id=1, limit=100)
    dates = [a["date"] for a in activity["items"]]
    assert dates == sorted(dates, reverse=True), "newest first"
    mine = [a for a in activity["items"] if a.get("campaign_id") == campaign_id]
    assert all(a["campaign_name"] == name for a in mine)
    actions = {"email_send": "email_sent", "email_open": "email_opened", "email_click": "email_clicked",
               "email_soft_bounce": "email_soft_bounced"}  # fmt: skip
    assert Counter(actions[a["type"]] for a in mine) == Counter(e["trigger"] for e in ours if e["email"] == opener), (
        "the contact's timeline shows exactly the events received for it"
    )

    # "Send it at 18:00 tomorrow", then "stop that send": one tool each (preview, then confirm).
    later_id, later_name = campaign_id, name  # sent once already: the preview says so
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
    preview = await call(
        client, "egoi_send_email_to_segment", campaign_id=later_id, segment_id="auto_1", send_at=tomorrow.isoformat()
    )
    assert f"at {tomorrow:%Y-%m-%d} 18:00 UTC" in preview["summary"] and "schedule" in preview["summary"]
    assert "already sent" in preview["summary"]
    scheduled = await call(client, "egoi_send_email_to_segment", **preview["call_again_with"])
    assert scheduled["status"] == "done" and "scheduled" in scheduled["summary"]
    assert [op.campaign_id for op in await server.current().client.pending_sends(later_id)] == [later_id]

    stop = await call(client, "egoi_cancel_send", campaign_id=later_id)
    assert stop["status"] == "confirmation_required" and later_name in stop["summary"]
    assert "1 pending send" in stop["summary"] and f"{tomorrow:%Y-%m-%d} 18:00" in stop["summary"]
    stopped = await call(client, "egoi_cancel_send", **stop["call_again_with"])
    assert stopped["status"] == "done" and "cancelled 1 send" in stopped["summary"]
    assert await server.current().client.pending_sends(later_id) == []

    again = await call(client, "egoi_cancel_send", campaign_id=later_id)
    assert again["status"] == "nothing_to_do" and "nothing to cancel" in again["summary"]
    assert "call_again_with" not in again, "nothing pending: no token"


async def test_send_previews_refuse_other_lists_and_change_nothing(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    campaign_id, _ = draft_campaign(server)
    other_segment = next(s for s in sandbox.segments.values() if s.list_id != 1)
    other_contact = next(c for c in sandbox.contacts.values() if c.list_id != 1)
    before = len(await server.current().client.pending_sends(campaign_id))

    refused = await fails(
        client, "egoi_send_email_to_segment", campaign_id=campaign_id, segment_id=other_segment.segment_id
    )
    assert "SEGMENT_NOT_FOUND" in refused and "not in list 1" in refused and "egoi_list_segments" in refused
    refused = await fails(
        client, "egoi_send_email_to_contact", campaign_id=campaign_id, contact_id=other_contact.contact_id
    )
    assert "SUBSCRIBER_NOT_FOUND" in refused and "not in list 1" in refused
    refused = await fails(client, "egoi_send_email_to_segment", campaign_id=campaign_id, segment_id="auto_1", list_id=2)
    assert "belongs to list 1" in refused and "omit list_id" in refused
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    refused = await fails(
        client, "egoi_send_email_to_segment", campaign_id=campaign_id, segment_id="auto_1", send_at=past
    )
    assert "in the past" in refused
    assert "INVALID_ARGUMENT send_at" in await fails(
        client, "egoi_send_email_to_segment", campaign_id=campaign_id, segment_id="auto_1", send_at="tomorrow"
    )
    assert len(await server.current().client.pending_sends(campaign_id)) == before, "nothing was queued"


async def test_send_previews_warn(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    sent = next(c for c in sandbox.campaigns.values() if c.list_id == 1 and c.status == "sent")
    preview = await call(client, "egoi_send_email_to_segment", campaign_id=sent.campaign_hash, segment_id="auto_1")
    assert "already sent" in preview["summary"]
    removed = next(c for c in sandbox.contacts_of(1) if c.status != "active")
    campaign_id, _ = draft_campaign(server)
    preview = await call(client, "egoi_send_email_to_contact", campaign_id=campaign_id, contact_id=removed.contact_id)
    assert f"the contact is {removed.status}" in preview["summary"]


async def test_an_unsent_campaign_report_says_so_in_one_call(client: Client, server: EgoiServer) -> None:
    campaign_id, name = draft_campaign(server)
    await call(client, "egoi_list_campaigns", list_id=1)
    sandbox = server.current().sandbox
    assert sandbox is not None
    before = sandbox.budget.used
    report = await call(client, "egoi_get_campaign_report", campaign_id=campaign_id)
    assert sandbox.budget.used == before + 1, "a report is one E-goi call"
    assert (
        report["sent"] == 0
        and report["summary"] == f"campaign {quote(name)} has not been sent yet: there is nothing to report"
    )


async def test_empty_events_say_which_tool_registers_a_webhook(client: Client) -> None:
    empty = await call(client, "egoi_list_events", list_id=1)
    assert empty["items"] == [] and "egoi_register_webhook" in empty["note"]
    await call(client, "egoi_register_webhook", list_id=1)
    assert "note" not in await call(client, "egoi_list_events", list_id=1)


@pytest.mark.parametrize("mode", ERAS)
async def test_empty_events_name_no_unregistered_tool(tmp_path: Path, mode: str) -> None:
    built = build_server(make_settings(tmp_path, read_only=True))
    async with Client(built.mcp, mode=mode) as client:
        empty = await call(client, "egoi_list_events")
        assert "no E-goi webhook" in empty["note"] and "egoi_register_webhook" not in empty["note"]
        resources = (await client.list_resources()).resources
        recent = next(r for r in resources if str(r.uri) == "egoi://events/recent")
        assert "once an E-goi webhook sends" in (recent.description or "")
        assert "egoi_register_webhook" not in (recent.description or "")


async def test_event_resources_say_what_fills_them(client: Client) -> None:
    resources = (await client.list_resources()).resources
    recent = next(r for r in resources if str(r.uri) == "egoi://events/recent")
    assert "egoi_register_webhook registers one" in (recent.description or "")


async def test_a_tag_by_id_and_a_segment(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    vip = next(t for t in sandbox.tags.values() if t.name == "vip")
    by_id = await call(client, "egoi_list_contacts", list_id=1, tag_id=vip.tag_id)
    by_name = await call(client, "egoi_list_contacts", list_id=1, tag="VIP")
    assert by_id == by_name
    everyone = await call(client, "egoi_list_contacts", list_id=1, limit=2)
    assert len(everyone["items"]) == 2 and everyone["next_cursor"] and everyone["total"] == len(sandbox.contacts_of(1))
    active = await call(client, "egoi_list_contacts", list_id=1, segment_id="auto_1", limit=100)
    assert all(c["status"] == "active" for c in active["items"])
    assert "TAG_NOT_FOUND" in await fails(client, "egoi_list_contacts", list_id=1, tag="no-such-tag")


@pytest.mark.parametrize("mode", ERAS)
async def test_apps_clients_see_the_views_on_the_real_server(server: EgoiServer, mode: str) -> None:
    apps = Client(server.mcp, mode=mode, extensions=[advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})])
    async with apps as client:
        tools = {t.name: t for t in await every_tool(client)}
        assert tools["egoi_get_campaign_report"].meta == {"ui": {"resourceUri": REPORT_URI}}
        assert tools["egoi_list_events"].meta == {"ui": {"resourceUri": EVENTS_URI}}
        assert tools["egoi_list_lists"].meta is None
        (html,) = (await client.read_resource(REPORT_URI)).contents
        assert html.mime_type == APP_MIME_TYPE
        campaign_id, _ = draft_campaign(server)
        with_view = await client.call_tool("egoi_get_campaign_report", {"campaign_id": campaign_id})
    async with Client(server.mcp, mode=mode) as client:
        tools = await every_tool(client)
        assert all(t.meta is None for t in tools), "a plain client sees no view"
        assert not [r for r in (await client.list_resources()).resources if str(r.uri).startswith("ui://")]
        plain = await client.call_tool("egoi_get_campaign_report", {"campaign_id": campaign_id})
    assert with_view.model_dump() == plain.model_dump(), "the views change no result"
    assert set(plain.structured_content) >= {"campaign_id", "sent", "open_rate", "by_day"}, "fields at top level"
