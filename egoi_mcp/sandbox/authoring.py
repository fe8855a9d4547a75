"""Writing e-mail campaigns: `POST /campaigns/email` and `PATCH /campaigns/email/{hash}`, validated as E-goi does.

A campaign is created as a draft of one list, with a sender and HTML content; only a draft may be changed.
E-goi's meanings come back as 422 `errors` keyed by E-goi's own codes: `no_subject` (a blank subject),
`no_message` (no HTML body), `template_not_found` (the sandbox has no templates), `sender_not_exists`,
`sender_not_active` (a sender pending validation or rejected), `campaign_not_editable` (not a draft). An
unknown list is 404 (the spec documents it for the create). Required fields missing are 422 on their names.
"""

from __future__ import annotations

import hashlib
from typing import Any

from egoi_mcp.sandbox.models import Campaign
from egoi_mcp.sandbox.params import positive_int
from egoi_mcp.sandbox.problems import invalid, not_found
from egoi_mcp.sandbox.state import Sandbox

_REQUIRED = ("list_id", "internal_name", "sender_id", "content")


def create_campaign(sandbox: Sandbox, body: dict[str, Any]) -> Campaign:
    missing = {name: "Required" for name in _REQUIRED if body.get(name) in (None, "")}
    if missing:
        raise invalid(missing)
    record = sandbox.lists.get(positive_int(body["list_id"], "list_id"))
    if record is None:
        raise not_found("List not found")
    name = _text(body, "internal_name")
    subject = _text(body, "subject") if "subject" in body else name
    number = sandbox.next_id("campaign")
    now = sandbox.now()
    campaign = Campaign(
        id=number,
        campaign_hash=hashlib.sha256(f"egoi-sandbox-campaign-{number}".encode()).hexdigest()[:16],
        list_id=record.list_id,
        internal_name=name,
        title=subject,
        created=now,
        updated=now,
    )
    _apply(sandbox, campaign, body, name=name, subject=subject)
    sandbox.campaigns[campaign.campaign_hash] = campaign
    return campaign


def update_campaign(sandbox: Sandbox, campaign: Campaign, body: dict[str, Any]) -> None:
    if campaign.status != "draft":
        raise invalid({"campaign_not_editable": f"Only a draft can be changed: this campaign is {campaign.status}"})
    name = _text(body, "internal_name") if "internal_name" in body else campaign.internal_name
    subject = _text(body, "subject") if "subject" in body else campaign.title
    _apply(sandbox, campaign, body, name=name, subject=subject)
    campaign.updated = sandbox.now()


def _apply(sandbox: Sandbox, campaign: Campaign, body: dict[str, Any], *, name: str, subject: str) -> None:
    """Check everything first, then change the campaign: a refused request changes nothing."""
    if not subject.strip():
        raise invalid({"no_subject": "The campaign has no subject"})
    if not name.strip():
        raise invalid({"internal_name": "Must not be empty"})
    sender_id = _sender(sandbox, body["sender_id"], "sender_id") if "sender_id" in body else campaign.sender_id
    reply_to = _sender(sandbox, body["reply_to"], "reply_to") if "reply_to" in body else campaign.reply_to
    html, plain_text = _content(body["content"]) if "content" in body else (campaign.html, campaign.plain_text)
    campaign.internal_name, campaign.title = name, subject
    campaign.sender_id, campaign.reply_to = sender_id, reply_to
    campaign.html, campaign.plain_text = html, plain_text


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise invalid({name: "Must be a string"})
    return value


def _sender(sandbox: Sandbox, value: Any, name: str) -> int:
    sender = sandbox.senders.get(positive_int(value, name))
    if sender is None:
        raise invalid({"sender_not_exists": "Sender not found"})
    if sender.status != "active":
        raise invalid({"sender_not_active": f"The sender {sender.email} is not validated (status {sender.status})"})
    return sender.sender_id


def _content(content: Any) -> tuple[str, str]:
    if not isinstance(content, dict):
        raise invalid({"content": "Must be an object"})
    kind = content.get("type", "html")
    if kind == "template":
        raise invalid({"template_not_found": "Template not found"})
    if kind != "html":
        raise invalid({"content": "The sandbox takes content of type html"})
    body, plain_text = content.get("body"), content.get("plain_text", "")
    if not isinstance(body, str) or not body.strip():
        raise invalid({"no_message": "The campaign has no content"})
    if not isinstance(plain_text, str):
        raise invalid({"plain_text": "Must be a string"})
    return body, plain_text
