"""SMS campaigns: `POST /campaigns/sms` validated as E-goi does, and a campaign's SMS report (`PhoneReport`).

A campaign is created as a draft of one list with a validated cellphone sender and a text message. Refusals are 422
`errors` keyed by E-goi's codes: `sender_not_exists`, `sender_not_active`, `no_message` (an empty message),
`template_not_found` (the sandbox has no templates), `list_id` (an unknown list: the spec documents no 404);
required fields missing are 422 on their names. A message that takes more parts than `options.max_messages`
(default: as many as it needs, at most 7) is 422 `max_messages`.

The report counts the activities the sandbox recorded for the campaign: `sends` (`sms_send`), `delivered`
(`sms_delivered`), `error` (sent, not delivered), `destinations` (contacts sent to); `invalid` and `pending` are 0
(every send resolves at once). `networks` splits them by the numbers' networks. A campaign never sent has no
`overall` (the spec's counts start at 1).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from typing import Any

from egoi_mcp.sandbox.models import Activity, Campaign
from egoi_mcp.sandbox.params import positive_int
from egoi_mcp.sandbox.problems import invalid
from egoi_mcp.sandbox.state import Sandbox
from egoi_mcp.sms import MAX_PARTS, sms_length

_REQUIRED = ("list_id", "internal_name", "content")


def create_sms_campaign(sandbox: Sandbox, body: dict[str, Any]) -> Campaign:
    missing = {name: "Required" for name in _REQUIRED if body.get(name) in (None, "")}
    if missing:
        raise invalid(missing)
    record = sandbox.lists.get(positive_int(body["list_id"], "list_id"))
    if record is None:
        raise invalid({"list_id": "List not found"}, detail="List not found")
    name = body["internal_name"]
    if not isinstance(name, str) or not name.strip():
        raise invalid({"internal_name": "Must be a non-empty string"})
    sender_id = _sender(sandbox, body.get("sender_id"))
    message = _message(body["content"])
    given = body.get("options")
    options: dict[str, Any] = given if isinstance(given, dict) else {}
    most = options.get("max_messages", MAX_PARTS)
    if not isinstance(most, int) or not 1 <= most <= MAX_PARTS:
        raise invalid({"max_messages": f"Must be 1 to {MAX_PARTS}"})
    if sms_length(message).parts > most:
        raise invalid({"max_messages": f"The message takes {sms_length(message).parts} parts, over {most}"})
    number, now = sandbox.next_id("campaign"), sandbox.now()
    campaign = Campaign(
        id=number,
        campaign_hash=hashlib.sha256(f"egoi-sandbox-campaign-{number}".encode()).hexdigest()[:16],
        list_id=record.list_id,
        internal_name=name,
        title="",
        created=now,
        updated=now,
        channel="sms",
        sender_id=sender_id,
        plain_text=message,
        max_messages=most,
    )
    sandbox.campaigns[campaign.campaign_hash] = campaign
    return campaign


def _sender(sandbox: Sandbox, value: Any) -> int | None:
    if value is None:
        return None
    sender = sandbox.cellphone_senders.get(positive_int(value, "sender_id"))
    if sender is None:
        raise invalid({"sender_not_exists": "Sender not found"})
    if sender.status != "active":
        raise invalid({"sender_not_active": f"The sender {sender.cellphone} is not validated ({sender.status})"})
    return sender.sender_id


def _message(content: Any) -> str:
    if not isinstance(content, dict):
        raise invalid({"content": "Must be an object"})
    if content.get("type") == "template":
        raise invalid({"template_not_found": "Template not found"})
    if content.get("type") != "text":
        raise invalid({"content": "type must be text or template"})
    message = content.get("message")
    if not isinstance(message, str) or not message.strip():
        raise invalid({"no_message": "The campaign has no message"})
    return message


def sms_report(campaign_hash: str, activities: Iterable[Activity], networks: bool) -> dict[str, Any]:
    mine = [a for a in activities if a.campaign_hash == campaign_hash and a.action in _METRICS]
    report: dict[str, Any] = {"campaign_hash": campaign_hash}
    if networks:
        names = sorted({a.network for a in mine})
        report["networks"] = [{"network": name, **_counts([a for a in mine if a.network == name])} for name in names]
    if mine:
        destinations = len({a.contact_id for a in mine if a.action == "sms_send"})
        report["overall"] = {"destinations": destinations, **_counts(mine)}
    return report


_METRICS = {"sms_send": "sends", "sms_delivered": "delivered"}


def _counts(activities: list[Activity]) -> dict[str, int]:
    counted = Counter(_METRICS[a.action] for a in activities)
    sends, delivered = counted["sends"], counted["delivered"]
    return {"sends": sends, "delivered": delivered, "error": sends - delivered, "invalid": 0, "pending": 0}
