"""Writing campaigns through the MCP tools on the sandbox, in both eras: create from HTML, read it with its
checklist, change it, refuse a sent one, and bad input in one actionable line each."""

from __future__ import annotations

import pytest
from mcp import Client

from egoi_mcp.server import EgoiServer
from tests.conftest import call, fails

pytestmark = pytest.mark.anyio

HTML = (
    '<h1>June</h1><img src="https://acme.example/a.png"><img src="b.png" alt="B">'
    '<a href="https://acme.example/sale">Sale</a><a href="https://acme.example/unsubscribe">Unsubscribe</a>'
)
NEW = {"list_id": 1, "subject": "June at Acme", "sender": "news@acme.example", "html": HTML}


async def test_create_get_update_a_draft(client: Client, server: EgoiServer) -> None:
    created = await call(client, "egoi_create_email_campaign", **NEW)
    assert created["status"] == "draft" and created["content"]["has_unsubscribe_link"]
    assert set(created) == {"id", "status", "content"}, "a write says back the id, status and checklist only"
    campaign_id = created["id"]
    stored = server.current().sandbox.campaigns[campaign_id]
    assert stored.html == HTML and stored.title == "June at Acme" and stored.sender_id == 1

    got = await call(client, "egoi_get_campaign", campaign_id=campaign_id)
    content = got["content"]
    assert content["has_unsubscribe_link"] is True and content["over_gmail_clip"] is False
    assert content["links"] == ["https://acme.example/sale", "https://acme.example/unsubscribe"]
    assert content["images"] == 2 and content["images_without_alt"] == 1
    assert "html" not in got or got["html"] is None
    full = await call(client, "egoi_get_campaign", campaign_id=campaign_id, include_html=True)
    assert full["html"] == HTML

    changed = await call(client, "egoi_update_email_campaign", campaign_id=campaign_id, subject="June sale", text="Hi")
    assert changed["status"] == "draft" and changed["content"]["has_unsubscribe_link"] is False
    assert stored.title == "June sale" and stored.html == "<p>Hi</p>" and stored.plain_text == "Hi"


async def test_a_big_newsletter_is_flagged_for_gmail_clipping(client: Client) -> None:
    created = await call(client, "egoi_create_email_campaign", **{**NEW, "html": "<p>" + "x" * 110_000 + "</p>"})
    assert created["content"]["over_gmail_clip"] is True and created["content"]["size_kb"] > 102


async def test_a_sent_campaign_is_not_changed(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    sent = next(c for c in sandbox.campaigns.values() if c.status == "sent")
    error = await fails(client, "egoi_update_email_campaign", campaign_id=sent.campaign_hash, subject="Again")
    assert "CAMPAIGN_NOT_EDITABLE: " in error and "is sent: only a draft can be changed" in error
    assert sent.title != "Again"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"subject": " "}, "NO_SUBJECT: subject is empty"),
        ({"html": None}, "NO_MESSAGE: the campaign has no content: give html or text"),
        ({"sender": "nobody@acme.example"}, 'SENDER_NOT_EXISTS: no e-mail sender "nobody@acme.example"'),
        ({"sender": "promo@acme.example"}, 'SENDER_NOT_VALIDATED: sender "promo@acme.example" is not validated'),
        ({"list_id": 99}, "LIST_NOT_FOUND: "),
    ],
)
async def test_bad_input_is_one_actionable_line(
    client: Client, server: EgoiServer, changes: dict[str, object], expected: str
) -> None:
    sandbox = server.current().sandbox
    before = len(sandbox.campaigns)
    error = await fails(client, "egoi_create_email_campaign", **{**NEW, **changes})
    assert expected in error and "\n" not in error, error
    assert len(sandbox.campaigns) == before


async def test_senders_say_which_are_validated(client: Client) -> None:
    page = await call(client, "egoi_list_senders")
    assert [(s["email"], s["status"]) for s in page["items"]] == [
        ("news@acme.example", "active"),
        ("promo@acme.example", "moderation"),
    ]


async def test_a_sender_by_id_and_a_reply_to(client: Client, server: EgoiServer) -> None:
    created = await call(
        client, "egoi_create_email_campaign", **{**NEW, "sender": "1", "reply_to": "news@acme.example"}
    )
    assert server.current().sandbox.campaigns[created["id"]].reply_to == 1
