"""Every tool through a real MCP client, in both protocol eras, against the embedded sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mcp.types as types
import pytest
from mcp import Client

from egoi_mcp.server import EgoiServer, build_server
from tests.conftest import ERAS, call, every_tool, fails, make_settings

pytestmark = pytest.mark.anyio


async def test_lists_and_contacts_workflow(client: Client) -> None:
    lst = await call(client, "egoi_create_list", name="Spring launch", description="Spring launch news")
    list_id = lst["id"]
    assert lst["name"] == "Spring launch"

    contact = await call(
        client, "egoi_create_contact", email="maria@example.com", first_name="Maria", last_name="Silva",
        phone="+351912345678", list_id=list_id, tags=["vip", "spring"],
    )  # fmt: skip
    assert contact["status"] == "active" and len(contact["tags"]) == 2

    got = await call(client, "egoi_get_contact", contact_id=contact["id"], list_id=list_id)
    assert got["first_name"] == "Maria" and got["phone"] == "351-912345678"
    assert sorted(t["name"] for t in got["tags"]) == sorted(t["name"] for t in contact["tags"]) == ["spring", "vip"]

    found = await call(client, "egoi_search_contacts", query="maria@example.com", list_id=list_id)
    assert [c["id"] for c in found["items"]] == [contact["id"]]
    everywhere = await call(client, "egoi_search_contacts", query="maria@example.com")
    assert [c["id"] for c in everywhere["items"]] == [contact["id"]]

    preview = await call(
        client, "egoi_update_contacts", contact_ids=[contact["id"]], list_id=list_id, fields={"last_name": "Costa"}
    )
    assert preview["status"] == "confirmation_required" and "last_name='Costa'" in preview["summary"]
    updated = await call(client, "egoi_update_contacts", **preview["call_again_with"])
    assert updated["status"] == "done" and "updated 1 contact" in updated["summary"]
    assert (await call(client, "egoi_get_contact", contact_id=contact["id"], list_id=list_id))["last_name"] == "Costa"

    lists = await call(client, "egoi_list_lists", limit=100)
    assert list_id in [item["id"] for item in lists["items"]]


async def test_delete_previews_then_confirms(client: Client) -> None:
    contact = await call(client, "egoi_create_contact", email="temp@example.org", list_id=1)
    preview = await call(client, "egoi_delete_contacts", contact_ids=[contact["id"]], list_id=1)
    assert preview["status"] == "confirmation_required"
    assert "temp@example.org" in preview["summary"] and "1 contact" in preview["summary"]
    assert preview["call_again_with"]["confirm"] is True
    # nothing changed
    await call(client, "egoi_get_contact", contact_id=contact["id"], list_id=1)

    done = await call(client, "egoi_delete_contacts", **preview["call_again_with"])
    assert done["status"] == "done"
    error = await fails(client, "egoi_get_contact", contact_id=contact["id"], list_id=1)
    assert "SUBSCRIBER_NOT_FOUND" in error


async def test_segment_send_preview_counts_recipients(client: Client, server: EgoiServer) -> None:
    segments = await call(client, "egoi_list_segments", list_id=1)
    segment = segments["items"][0]
    campaigns = await call(client, "egoi_list_campaigns", list_id=1)
    campaign = campaigns["items"][0]
    expected = await server.current().client.count_contacts(1, segment_id=segment["id"])

    preview = await call(
        client, "egoi_send_email_to_segment", campaign_id=campaign["id"], segment_id=segment["id"], list_id=1
    )
    assert preview["status"] == "confirmation_required"
    assert f"reaching {expected} contact" in preview["summary"] and segment["name"] in preview["summary"]

    done = await call(client, "egoi_send_email_to_segment", **preview["call_again_with"])
    assert done["status"] == "done"


async def test_send_to_contact(client: Client) -> None:
    contact = await call(client, "egoi_create_contact", email="buyer@example.com", list_id=1)
    campaign = (await call(client, "egoi_list_campaigns", list_id=1))["items"][0]
    preview = await call(
        client, "egoi_send_email_to_contact", campaign_id=campaign["id"], contact_id=contact["id"], list_id=1
    )
    assert "buyer@example.com" in preview["summary"]
    done = await call(client, "egoi_send_email_to_contact", **preview["call_again_with"])
    assert done["status"] == "done" and "buyer@example.com" in done["summary"]


async def test_tags(client: Client) -> None:
    tag = await call(client, "egoi_create_tag", name="newsletter-2026", color="#336699")
    assert tag["color"] == "#336699"
    assert "TAG_ALREADY_EXISTS" in await fails(client, "egoi_create_tag", name="newsletter-2026")
    contact = await call(client, "egoi_create_contact", email="tagme@example.com", list_id=1)

    attached = await call(client, "egoi_attach_tag", tag="newsletter-2026", contact_ids=[contact["id"]], list_id=1)
    assert attached["tag_id"] == tag["id"]
    assert {"id": tag["id"], "name": tag["name"]} in (
        await call(client, "egoi_get_contact", contact_id=contact["id"], list_id=1)
    )["tags"]
    await call(client, "egoi_detach_tag", tag_id=tag["id"], contact_ids=[contact["id"]], list_id=1)
    got = await call(client, "egoi_get_contact", contact_id=contact["id"], list_id=1)
    assert tag["id"] not in [t["id"] for t in got["tags"]]

    tags = await call(client, "egoi_list_tags", limit=100)
    assert tag["id"] in [t["id"] for t in tags["items"]]
    preview = await call(client, "egoi_delete_tag", tag_id=tag["id"])
    assert "newsletter-2026" in preview["summary"]
    assert (await call(client, "egoi_delete_tag", **preview["call_again_with"]))["status"] == "done"


async def test_delete_list(client: Client) -> None:
    lst = await call(client, "egoi_create_list", name="Temporary")
    await call(client, "egoi_create_contact", email="a@example.net", list_id=lst["id"])
    preview = await call(client, "egoi_delete_list", list_id=lst["id"])
    assert '"Temporary"' in preview["summary"] and "1 contact" in preview["summary"]
    assert (await call(client, "egoi_delete_list", **preview["call_again_with"]))["status"] == "done"
    assert "LIST_NOT_FOUND" in await fails(client, "egoi_delete_list", list_id=lst["id"])


async def test_paging_with_cursor(client: Client) -> None:
    first = await call(client, "egoi_search_contacts", query="example", list_id=1, limit=2)
    page = await call(client, "egoi_list_segments", list_id=1, limit=1)
    assert len(page["items"]) == 1 and page["total"] >= 1
    seen = [page["items"][0]["id"]]
    while page["next_cursor"]:
        page = await call(client, "egoi_list_segments", list_id=1, limit=1, cursor=page["next_cursor"])
        seen += [s["id"] for s in page["items"]]
    assert len(seen) == len(set(seen)) == page["total"]
    assert isinstance(first["items"], list)
    assert "cursor" in await fails(client, "egoi_list_lists", cursor="not-a-cursor")


async def test_bad_input_is_actionable_and_changes_nothing(client: Client, server: EgoiServer) -> None:
    before = server.current().sandbox.budget.used
    assert "valid e-mail" in await fails(client, "egoi_create_contact", email="not-an-email", list_id=1)
    assert server.current().sandbox.budget.used == before, "a malformed e-mail must not reach E-goi"
    bad_id = await fails(client, "egoi_get_contact", contact_id="xyz")
    assert "INVALID_ARGUMENT contact_id:" in bad_id and "egoi_search_contacts" in bad_id
    assert "pydantic" not in bad_id and "validation error" not in bad_id
    assert "LIST_NOT_FOUND" in await fails(client, "egoi_create_contact", email="x@example.com", list_id=999)
    assert "SUBSCRIBER_NOT_FOUND" in await fails(client, "egoi_get_contact", contact_id="0000000000", list_id=1)
    assert "CAMPAIGN_NOT_FOUND" in await fails(
        client, "egoi_send_email_to_segment", campaign_id="nope", segment_id="x", list_id=1
    )
    dup = await fails(client, "egoi_create_contact", email=await _existing_email(server), list_id=1)
    assert "EMAIL_ALREADY_EXISTS" in dup and "existing contact_id" in dup


async def _existing_email(server: EgoiServer) -> str:
    page = await server.current().client.list_contacts(1, limit=1)
    email = page.items[0].email
    assert email
    return email


async def test_webhook_tools(client: Client, server: EgoiServer) -> None:
    hook = await call(client, "egoi_register_webhook", list_id=1, triggers=["new_subscriber", "email_opened"])
    assert hook["url"].endswith("/webhooks/egoi/[redacted]"), "the receiver's secret never shows in a result"
    registered = server.current().sandbox.webhooks  # what E-goi holds: the real receiver URL
    assert registered[hook["id"]].url.endswith("/webhooks/egoi/test-webhook-secret")
    assert sorted(hook["actions"]) == ["email_open", "subscription"]
    listed = await call(client, "egoi_list_webhooks")
    assert hook["id"] in [h["id"] for h in listed["items"]]
    assert "test-webhook-secret" not in json.dumps(listed)
    preview = await call(client, "egoi_delete_webhook", webhook_id=hook["id"])
    assert preview["status"] == "confirmation_required"
    assert (await call(client, "egoi_delete_webhook", **preview["call_again_with"]))["status"] == "done"
    replay = await call(client, "egoi_delete_webhook", **preview["call_again_with"])  # a token acts once
    assert replay["summary"].startswith("Already done at ") and f"deleted webhook {hook['id']}" in replay["summary"]
    assert "WEBHOOK_NOT_FOUND" in await fails(client, "egoi_delete_webhook", webhook_id=hook["id"])  # the preview


async def test_webhook_loop_on_the_sandbox(client: Client, server: EgoiServer) -> None:
    await call(client, "egoi_register_webhook", list_id=1)
    contact = await call(client, "egoi_create_contact", email="loop@example.com", first_name="Lo", list_id=1)
    await server.current().sandbox.drain()
    events = await call(client, "egoi_list_events", trigger="new_subscriber")
    assert [e["contact_id"] for e in events["items"]] == [contact["id"]]
    assert events["items"][0]["email"] == "loop@example.com" and "payload" not in events["items"][0]
    by_email = await call(client, "egoi_list_events", contact="loop@example.com")
    assert [e["id"] for e in by_email["items"]] == [e["id"] for e in events["items"]]
    assert (await call(client, "egoi_list_events", contact=contact["id"]))["items"] == by_email["items"]
    since = await call(client, "egoi_list_events", after="2000-01-01T00:00:00Z", trigger="new_subscriber")
    assert since["items"] == events["items"], "after: a date-time means received since"
    newer = await call(client, "egoi_list_events", after=events["items"][0]["id"])
    assert newer["items"] == [], "after: an event id means only newer ones"
    assert "ISO date-time" in await fails(client, "egoi_list_events", after="yesterday")
    assert "INVALID_ARGUMENT trigger" in await fails(client, "egoi_list_events", trigger="opened")
    full = await client.read_resource(f"egoi://event/{events['items'][0]['id']}")
    assert json.loads(full.contents[0].text)["payload"], "egoi://event/{id} gives the event's payload"

    recent = await client.read_resource("egoi://events/recent")
    assert contact["id"] in recent.contents[0].text


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize("answer", ["accept", "decline", "cancel"])
async def test_confirmation_asks_the_human(server: EgoiServer, mode: str, answer: str) -> None:
    asked: list[str] = []

    async def on_elicit(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        content = {"confirm": True} if answer == "accept" else None
        return types.ElicitResult(action=answer, content=content)

    async with Client(server.mcp, mode=mode, elicitation_callback=on_elicit) as client:
        contact = await call(client, "egoi_create_contact", email=f"ask-{mode}-{answer}@example.com", list_id=1)
        preview = await call(client, "egoi_delete_contacts", contact_ids=[contact["id"]], list_id=1)
        assert not asked, "a preview asks nobody"
        result = await call(client, "egoi_delete_contacts", **preview["call_again_with"])
        assert asked and f"ask-{mode}-{answer}@example.com" in asked[0]
        if answer == "accept":
            assert result["status"] == "done"
        else:
            assert result["status"] == "declined"
            await call(client, "egoi_get_contact", contact_id=contact["id"], list_id=1)  # still there


@pytest.mark.parametrize("mode", ERAS)
async def test_elicit_mode_refuses_clients_that_cannot_ask(tmp_path: Path, mode: str) -> None:
    built = build_server(make_settings(tmp_path, confirm="elicit"))
    async with Client(built.mcp, mode=mode) as client:
        contact = await call(client, "egoi_create_contact", email="keep@example.com", list_id=1)
        preview = await call(client, "egoi_delete_contacts", contact_ids=[contact["id"]], list_id=1)
        error = await fails(client, "egoi_delete_contacts", **preview["call_again_with"])
        assert "EGOI_MCP_CONFIRM=elicit" in error
        await call(client, "egoi_get_contact", contact_id=contact["id"], list_id=1)


@pytest.mark.parametrize("mode", ERAS)
async def test_read_only_and_toolsets(tmp_path: Path, mode: str) -> None:
    built = build_server(make_settings(tmp_path, read_only=True, toolsets=["contacts", "tags", "events"]))
    async with Client(built.mcp, mode=mode) as client:
        names = sorted(t.name for t in (await client.list_tools()).tools)
        assert names == [
            "egoi_get_contact", "egoi_get_contact_activity", "egoi_list_contacts", "egoi_list_events",
            "egoi_list_fields", "egoi_list_tags", "egoi_search_contacts",
        ]  # fmt: skip
        result = await client.call_tool("egoi_delete_contacts", {"contact_ids": ["0123456789"], "confirm": True})
        assert result.is_error


async def test_every_tool_has_title_annotations_and_output_schema(client: Client) -> None:
    tools = await every_tool(client)
    assert len(tools) == 38
    for tool in tools:
        if tool.name == "egoi_call_tool":  # its result is the called tool's, previews included
            continue
        assert tool.title, tool.name
        a = tool.annotations
        assert a is not None, tool.name
        for hint in (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint):
            assert isinstance(hint, bool), tool.name
        assert tool.output_schema, tool.name
        assert tool.description and len(tool.description) < 400, tool.name
        if a.destructive_hint:
            assert "confirm" in tool.input_schema["properties"], tool.name


def test_each_tool_matches_its_snapshot() -> None:
    """A change to what the model reads is deliberate: one snapshot file per tool (tests/toolsnaps/), so a diff
    names the tool that changed. Update them with: python -m tests.snapshot --write"""
    from tests.snapshot import SNAPS, every_tool_rendered, snapshot_text

    rendered = every_tool_rendered()
    assert sorted(p.stem for p in SNAPS.glob("*.json")) == sorted(rendered), "run: python -m tests.snapshot --write"
    for name, tool in rendered.items():
        assert (SNAPS / f"{name}.json").read_text() == snapshot_text(tool), f"{name}: python -m tests.snapshot --write"


async def test_trigger_names_complete(client: Client) -> None:
    ref = types.ResourceTemplateReference(uri="egoi://events/{trigger}")
    result = await client.complete(ref, {"name": "trigger", "value": "email_s"})
    assert result.completion.values == ["email_soft_bounced", "email_sent"]


TOKEN_BUDGET = 250  # o200k tokens per tool, in every mode
DEFAULT_LIST_BUDGET = 3_000  # the default tools/list plus the instructions


@pytest.mark.parametrize(
    "mode",
    [{}, {"discovery": True}, {"read_only": True}, {"toolsets": ["contacts"]}, {"toolsets": ["campaigns", "events"]}],
)
def test_every_tool_fits_the_token_budget_in_every_mode(mode: dict[str, Any]) -> None:
    """Counted as the bench counts (bench/tokens.py): o200k tokens of the compact JSON a client receives."""
    from bench.tokens import json_tokens
    from tests.snapshot import render_tools_list

    for tool in render_tools_list(**mode):
        assert json_tokens(tool) <= TOKEN_BUDGET, (tool["name"], json_tokens(tool))


@pytest.mark.parametrize("read_only", [False, True])
async def test_the_default_list_and_instructions_fit_the_fixed_budget(tmp_path: Path, read_only: bool) -> None:
    """What a client sends the model on every turn, with discovery on (no --toolsets)."""
    from bench.tokens import json_tokens, tokens

    built = build_server(make_settings(tmp_path, read_only=read_only))
    async with Client(built.mcp, mode="legacy") as client:
        listed = (await client.list_tools()).tools
    wire = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed]
    assert json_tokens({"tools": wire}) + tokens(built.mcp.instructions or "") <= DEFAULT_LIST_BUDGET
