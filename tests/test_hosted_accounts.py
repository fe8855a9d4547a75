"""Each user on their own E-goi account, with what they consented to: two users, two sandbox keys, two accounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client

from egoi_mcp.audit import AuditTrail
from egoi_mcp.hosted.scopes import READ, WRITE
from egoi_mcp.store import SQLiteStore
from egoi_mcp.tools import TOOLSETS
from tests.conftest import call, every_tool, fails
from tests.hosted import ALICE, BOB, Person, connected, hosted

pytestmark = pytest.mark.anyio


async def _names(client: Client) -> set[str]:
    """Every tool the connection may use: the listed ones and those egoi_find_tools adds."""
    return {tool.name for tool in await every_tool(client)}


async def test_a_users_lists_are_never_readable_by_another(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE)) as alice, connected(url, Person(BOB)) as bob:
            made = await call(alice, "egoi_create_list", name="Alice's VIP customers")
            mine = await call(alice, "egoi_list_lists", limit=100)
            theirs = await call(bob, "egoi_list_lists", limit=100)
            assert "Alice's VIP customers" in {item["name"] for item in mine["items"]}
            assert "Alice's VIP customers" not in {item["name"] for item in theirs["items"]}
            assert made["id"] not in {item["id"] for item in theirs["items"]}
            refused = await fails(bob, "egoi_delete_list", list_id=made["id"])
            assert "LIST_NOT_FOUND" in refused, refused
            assert "Alice" not in refused


async def test_a_confirmation_token_of_one_user_is_refused_for_another(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE)) as alice, connected(url, Person(BOB)) as bob:
            preview = await call(alice, "egoi_delete_list", list_id=1)
            assert "confirm_token" in preview["call_again_with"]
            refused = await fails(bob, "egoi_delete_list", **preview["call_again_with"])
            assert "nothing was changed" in refused
            assert any(item["id"] == 1 for item in (await call(bob, "egoi_list_lists", limit=100))["items"])
            done = await call(alice, "egoi_delete_list", **preview["call_again_with"])
            assert "deleted list" in str(done)
    async with SQLiteStore(tmp_path / "events.db") as store:  # the operator's audit trail names who confirmed
        entries = await AuditTrail(store, max_age_days=365).recent()
    assert [(e.tool, str(e.principal).partition("/")[2][:2]) for e in entries] == [("egoi_delete_list", "u_")]


async def test_a_user_without_egoi_send_sees_no_sending_tool_and_cannot_send(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE, grant=[READ, WRITE])) as alice:
            names = await _names(alice)
            assert {"egoi_list_lists", "egoi_create_list"} <= names
            assert not names & {"egoi_send_email_to_segment", "egoi_delete_list", "egoi_delete_contacts"}
            refused = await fails(alice, "egoi_send_email_to_segment", campaign_hash="c0ffee", segment_id=1)
            assert refused.startswith("insufficient_scope: egoi_send_email_to_segment needs the egoi:send scope")
            refused = await fails(alice, "egoi_delete_list", list_id=1, confirm=True, confirm_token="x")
            assert "egoi:send" in refused
        async with connected(url, Person(ALICE, grant=[READ])) as reader:
            names = await _names(reader)
            assert "egoi_list_lists" in names and "egoi_create_list" not in names
            assert (await fails(reader, "egoi_create_list", name="x")).startswith("insufficient_scope")


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_events_webhooks_jobs_and_the_audit_are_offered_per_account(tmp_path: Path, mode: str) -> None:
    """Nothing is one per server any more: each part is its account's (test_hosted_events, test_hosted_jobs)."""
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE), mode=mode) as alice:
            names = await _names(alice)
            assert {"egoi_list_events", "egoi_register_webhook", "egoi_import_contacts", "egoi_get_job"} <= names
            uris = [str(r.uri) for r in (await alice.list_resources()).resources]
            templates = [t.uri_template for t in (await alice.list_resource_templates()).resource_templates]
            for prefix in ("egoi://event", "egoi://jobs", "egoi://audit"):
                assert [u for u in uris + templates if u.startswith(prefix)], prefix
            (audit,) = (await alice.read_resource("egoi://audit/recent")).contents
            assert json.loads(getattr(audit, "text", "")) == []  # her account's trail: nothing confirmed in it yet


async def test_every_read_with_another_users_ids_finds_nothing_of_theirs(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE)) as alice, connected(url, Person(BOB)) as bob:
            email, tag, subject = "alice.private@example.com", "alice-secret-tag", "Alice's private launch"
            listed = await call(alice, "egoi_create_list", name="Alice's private list")
            contact = await call(alice, "egoi_create_contact", email=email, list_id=1, tags=[tag])
            sender = (await call(alice, "egoi_list_senders"))["items"][0]
            campaign = await call(alice, "egoi_create_email_campaign", list_id=1, subject=subject,
                                  sender=sender["email"], html="<p>private</p>")  # fmt: skip
            contact_id, campaign_id = str(contact["id"]), str(campaign["id"])
            reads = [
                ("egoi_get_contact", {"contact_id": contact_id, "list_id": 1}),
                ("egoi_get_contact_activity", {"contact_id": contact_id, "list_id": 1}),
                ("egoi_search_contacts", {"query": "alice.private", "list_id": 1}),
                ("egoi_list_contacts", {"list_id": 1, "limit": 100}),
                ("egoi_list_contacts", {"list_id": listed["id"]}),
                ("egoi_list_tags", {"limit": 100}),
                ("egoi_get_campaign", {"campaign_id": campaign_id, "include_html": True}),
                ("egoi_get_campaign_report", {"campaign_id": campaign_id}),
                ("egoi_list_campaigns", {"limit": 100}),
                ("egoi_list_lists", {"limit": 100}),
                ("egoi_list_segments", {"list_id": 1}),
            ]
            for tool, arguments in reads:
                result = await bob.call_tool(tool, arguments)
                seen = " ".join(getattr(block, "text", "") for block in result.content)
                for secret in (email, tag, subject, "Alice's private list"):
                    assert secret not in seen, (tool, seen)
            mine = await call(alice, "egoi_get_contact", contact_id=contact_id, list_id=1)
            assert mine["email"] == email  # the same read, by its owner, finds it


async def test_egoi_call_tool_is_judged_by_the_tool_it_runs(tmp_path: Path) -> None:
    """Discovery's caller is no way around scopes."""
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE, grant=[READ])) as reader:
            assert "egoi_call_tool" in await _names(reader), "a reader reaches unlisted read tools too"
            lists = await reader.call_tool("egoi_call_tool", {"name": "egoi_list_tags", "arguments": {"limit": 1}})
            assert not lists.is_error
            refused = await fails(reader, "egoi_call_tool", name="egoi_create_tag", arguments={"name": "x"})
            assert refused.startswith("insufficient_scope: egoi_create_tag needs the egoi:write scope")
            refused = await fails(reader, "egoi_call_tool", name="egoi_get_job", arguments={"job_id": "j1"})
            said_once = "Error executing tool egoi_call_tool: JOB_NOT_FOUND: no job 'j1'"  # a reader reads its own jobs
            assert refused.startswith(said_once), refused


async def test_egoi_find_tools_offers_every_toolset(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE)) as alice:
            offered = {ts["name"] for ts in (await call(alice, "egoi_find_tools"))["toolsets"]}
            assert {ts.name for ts in TOOLSETS} <= offered, "every toolset, each kept per account"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_apps_client_sees_the_preview_of_its_users_campaign(tmp_path: Path, mode: str) -> None:
    """The preview is read from the signed-in user's account (what that user's client wrote), not the server's."""
    from mcp.client.extension import advertise
    from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

    from egoi_mcp.apps.preview import PREVIEW_META

    apps = [advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})]
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE), mode=mode, extensions=apps) as alice:
            new = {"list_id": 1, "subject": "June", "sender": "news@acme.example", "html": "<p>Hello June</p>"}
            created = await alice.call_tool("egoi_create_email_campaign", new)
            assert not created.is_error, created.content
            assert "Hello June" in created.meta[PREVIEW_META]["document"]  # type: ignore[index]
