"""Who an e-mail send reaches, and what happens when it runs.

A send's `segments` selects the whole list (`{"type": "none"}`), the union of segments of the list
(`{"type": "segment", "data": [ids]}`) or one address of the list (`{"type": "contact", "data": email}`);
only its active contacts with an e-mail address receive it. `check` validates a selection when the send is
asked for (422 on `segments` for a segment or an address that is not in the list, a contact that is not
active, or nobody to send to); `recipients` works them out again when the send runs, since segments are live.

`run` sends: each recipient gets `email_send`, then what `engagement.outcome` decides (`email_soft_bounce`,
or one or two `email_open` and an `email_click`), all at the moment the send runs, as webhooks and
activities alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from egoi_mcp.sandbox import segments
from egoi_mcp.sandbox.engagement import outcome
from egoi_mcp.sandbox.models import Campaign, Contact, Event
from egoi_mcp.sandbox.params import EMAIL
from egoi_mcp.sandbox.problems import invalid

if TYPE_CHECKING:
    from egoi_mcp.sandbox.state import Sandbox

SELECTION_TYPES = ("none", "segment", "contact")


def check_selection(sandbox: Sandbox, list_id: int, selection: Any) -> Any:
    """A selection's shape and its segments, for e-mail and SMS sends alike; its `data` (the contact is the
    channel's to check). 422 on `segments` when it cannot be sent."""
    if not isinstance(selection, dict) or selection.get("type") not in SELECTION_TYPES:
        raise invalid({"segments": 'Must be {"type": "none"}, {"type": "segment", ...} or {"type": "contact", ...}'})
    data = selection.get("data")
    if selection["type"] == "segment":
        if not isinstance(data, list) or not data or not all(isinstance(item, str) for item in data):
            raise invalid({"segments": "data must be a non-empty array of segment ids"})
        for segment_id in data:
            if segments.members(sandbox, list_id, segment_id) is None:
                raise invalid({"segments": f"Segment {segment_id} not found in list {list_id}"})
    return data


def check(sandbox: Sandbox, list_id: int, selection: Any) -> dict[str, Any]:
    """The selection, validated against the list as it is now; 422 on `segments` when it cannot be sent."""
    data = check_selection(sandbox, list_id, selection)
    if selection["type"] == "contact":
        if not isinstance(data, str) or not EMAIL.match(data):
            raise invalid({"segments": "data must be the contact's e-mail address"})
        contact = sandbox.find_by(list_id, "email", data)
        if contact is None:
            raise invalid({"segments": f"No contact with this e-mail address in list {list_id}"})
        if contact.status != "active":
            raise invalid({"segments": f"The contact is {contact.status}: only active contacts receive e-mails"})
    if not recipients(sandbox, list_id, selection):
        raise invalid({"segments": "Nobody to send to: the selection has no active contact with an e-mail address"})
    return {"type": selection["type"], **({"data": data} if data is not None else {})}


def selected(sandbox: Sandbox, list_id: int, selection: dict[str, Any], by: str) -> list[Contact]:
    """The contacts a (checked) selection names now, each once, whatever their status: the list, its segments'
    members, or the one contact whose `by` field (email, cellphone) is the selection's data."""
    chosen: list[Contact] = []
    if selection["type"] == "none":
        chosen = sandbox.contacts_of(list_id)
    elif selection["type"] == "segment":
        for segment_id in dict.fromkeys(selection["data"]):
            chosen += segments.members(sandbox, list_id, segment_id) or []
    else:
        contact = sandbox.find_by(list_id, by, selection["data"])
        chosen = [contact] if contact is not None else []
    return list({contact.contact_id: contact for contact in chosen}.values())


def recipients(sandbox: Sandbox, list_id: int, selection: dict[str, Any]) -> list[Contact]:
    """The active contacts with an e-mail address that a (checked) selection reaches now, each once."""
    return [c for c in selected(sandbox, list_id, selection, "email") if c.status == "active" and c.email]


def run(sandbox: Sandbox, campaign: Campaign, to: Sequence[Contact]) -> None:
    """Send `campaign` to `to` now: stats, campaign status and the events (see the module docstring)."""
    now = sandbox.now()
    sends: list[Event] = []
    reactions: list[Event] = []
    for contact in to:
        stats = contact.email_stats
        stats.sent += 1
        stats.last_send_date = now
        sends.append(Event("email_send", contact, campaign.campaign_hash))
        result = outcome(campaign.campaign_hash, contact.contact_id)
        if result.bounced:
            stats.soft_bounces += 1
            reactions.append(Event("email_soft_bounce", contact, campaign.campaign_hash))
        for _ in range(result.opens):
            stats.opens += 1
            stats.last_open_date = now
            reactions.append(Event("email_open", contact, campaign.campaign_hash))
        if result.click is not None:
            stats.clicks += 1
            stats.last_click_date = now
            reactions.append(Event("email_click", contact, campaign.campaign_hash, result.click))
    campaign.status = "sent"
    campaign.start_date = campaign.start_date or now
    campaign.end_date = campaign.updated = now
    campaign.processed_messages += len(sends)
    sandbox.emit(sends + reactions)
