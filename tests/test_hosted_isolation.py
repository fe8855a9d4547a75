"""Every tool and resource, called by one user with another user's ids (issue 21, item 5): Bob, on his own E-goi
account, tries each of the server's tools with the ids of Alice's list, contact, tag, campaign, webhook, event and
job, and reads each resource with them. Nothing of Alice's reaches him in any result or error, and none of it
changes. The table names every tool: a new tool fails here until its cross-account call is written down."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from egoi_mcp.webhooks.address import account_secret
from tests.conftest import call, every_tool
from tests.hosted import ALICE, BOB, Person, connected, hosted
from tests.test_hosted_events import _receiver, _stored
from tests.test_hosted_jobs import _import, _rows

pytestmark = pytest.mark.anyio

EMAIL, TAG, SUBJECT, LIST = "alice.private@example.com", "alice-secret-tag", "Alice's private launch", "Alice's list"


def _bobs_calls(ids: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each tool's arguments, with Alice's ids wherever the tool takes one (never a confirmation)."""
    contact, lst, tag, campaign = ids["contact"], ids["list"], ids["tag"], ids["campaign"]
    return {
        "egoi_attach_tag": {"contact_ids": [contact], "tag_id": tag, "list_id": 1},
        "egoi_call_tool": {"name": "egoi_get_contact", "arguments": {"contact_id": contact, "list_id": 1}},
        "egoi_cancel_job": {"job_id": ids["job"]},
        "egoi_cancel_send": {"campaign_id": campaign},
        "egoi_create_contact": {"email": "bob.probe@example.com", "list_id": lst},
        "egoi_create_email_campaign": {"list_id": lst, "subject": "probe", "sender": ids["sender"], "html": "<p>x</p>"},
        "egoi_create_list": {"name": "Bob's probe"},
        "egoi_create_sms_campaign": {"list_id": lst, "sender": ids["sender"], "text": "probe"},
        "egoi_create_tag": {"name": "bob-probe"},
        "egoi_delete_contacts": {"contact_ids": [contact], "list_id": 1},
        "egoi_delete_list": {"list_id": lst},
        "egoi_delete_tag": {"tag_id": tag},
        "egoi_delete_webhook": {"webhook_id": ids["webhook"]},
        "egoi_detach_tag": {"contact_ids": [contact], "tag_id": tag, "list_id": 1},
        "egoi_export_contacts": {"list_id": lst},
        "egoi_find_tools": {},
        "egoi_get_campaign": {"campaign_id": campaign, "include_html": True},
        "egoi_get_campaign_report": {"campaign_id": campaign, "who": "opened"},
        "egoi_get_contact": {"contact_id": contact, "list_id": 1},
        "egoi_get_contact_activity": {"contact_id": contact, "list_id": 1},
        "egoi_get_job": {"job_id": ids["job"]},
        "egoi_import_contacts": {"list_id": lst, "csv": "email\nbob.probe2@example.com\n"},
        "egoi_list_campaigns": {"limit": 100},
        "egoi_list_contacts": {"list_id": lst},
        "egoi_list_events": {"contact": contact, "limit": 100},
        "egoi_list_fields": {"list_id": lst},
        "egoi_list_lists": {"limit": 100},
        "egoi_list_segments": {"list_id": lst},
        "egoi_list_senders": {},
        "egoi_list_tags": {"limit": 100},
        "egoi_list_webhooks": {},
        "egoi_register_webhook": {"list_id": lst},
        "egoi_request_report": {"kind": "sends", "list_id": lst, "start": "2026-01-01", "end": "2026-01-31"},
        "egoi_search_contacts": {"query": "alice.private", "list_id": 1},
        "egoi_send_email_to_contact": {"campaign_id": campaign, "contact_id": contact, "list_id": 1},
        "egoi_send_email_to_segment": {"campaign_id": campaign, "segment_id": 1, "list_id": 1},
        "egoi_update_contacts": {"contact_ids": [contact], "list_id": 1, "first_name": "Bob"},
        "egoi_update_email_campaign": {"campaign_id": campaign, "subject": "Bob's edit"},
    }


async def _alices_things(alice: Client, url: str, server: Any) -> dict[str, Any]:
    listed = await call(alice, "egoi_create_list", name=LIST)
    contact = await call(alice, "egoi_create_contact", email=EMAIL, list_id=1, tags=[TAG])
    sender = (await call(alice, "egoi_list_senders"))["items"][0]["email"]
    campaign = await call(alice, "egoi_create_email_campaign", list_id=1, subject=SUBJECT, sender=sender,
                          html="<p>private</p>")  # fmt: skip
    webhook = await call(alice, "egoi_register_webhook", list_id=1)
    event = await _stored(_receiver(url, server, ALICE), "subscription", 7)
    tag = next(t for t in (await call(alice, "egoi_list_tags", limit=100))["items"] if t["name"] == TAG)
    return {
        "list": listed["id"], "contact": str(contact["id"]), "tag": tag["id"], "campaign": str(campaign["id"]),
        "sender": sender, "webhook": webhook["id"], "event": event, "job": await _import(alice, _rows(3)),
        "receiver": account_secret(server.seal_key, webhook["url"].split("/")[-2]),
    }  # fmt: skip


async def test_bob_calling_every_tool_and_resource_with_alices_ids_gets_nothing_of_hers(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, server):
        async with connected(url, Person(ALICE)) as alice, connected(url, Person(BOB)) as bob:
            ids = await _alices_things(alice, url, server)
            calls = _bobs_calls(ids)
            assert calls.keys() == {tool.name for tool in await every_tool(bob)}, "every tool, written down"
            secrets = (EMAIL, TAG, SUBJECT, LIST, ids["receiver"], "reader7@example.com")
            for tool, arguments in calls.items():
                result = await bob.call_tool(tool, arguments)
                seen = " ".join(getattr(block, "text", "") for block in result.content)
                seen += json.dumps(result.structured_content or {})
                assert not [s for s in secrets if s in seen], (tool, seen)
            uris = [f"egoi://event/{ids['event']}", f"egoi://jobs/{ids['job']}", f"egoi://jobs/{ids['job']}/result?page=1",
                    "egoi://events/recent", "egoi://events/new_subscriber", "egoi://audit/recent"]  # fmt: skip
            for uri in uris:
                try:
                    seen = str(await bob.read_resource(uri))
                except MCPError as refused:
                    seen = str(refused)
                assert not [s for s in secrets if s in seen], (uri, seen)

            mine = await call(alice, "egoi_get_contact", contact_id=ids["contact"], list_id=1)
            assert mine["email"] == EMAIL and TAG in json.dumps(mine), "Bob's calls changed nothing of Alice's"
            assert (await call(alice, "egoi_get_campaign", campaign_id=ids["campaign"]))["subject"] == SUBJECT
            assert LIST in json.dumps(await call(alice, "egoi_list_lists", limit=100))
            assert [h["id"] for h in (await call(alice, "egoi_list_webhooks"))["items"]] == [ids["webhook"]]
            assert (await call(alice, "egoi_get_job", job_id=ids["job"], wait=30))["status"] == "done"
            assert ids["event"] in [e["id"] for e in (await call(alice, "egoi_list_events"))["items"]]
