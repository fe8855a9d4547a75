"""`GET /campaigns` and `POST /campaigns/email/{campaign_hash}/actions/send`.

A send reaches the active contacts (with an e-mail address) of the selection: the whole list
(`{"type": "none"}`), the union of segments (`{"type": "segment", "data": [ids]}`) or one address
(`{"type": "contact", "data": "a@example.com"}`). The spec documents no 404 for a send, so everything
that cannot be found answers 422: an unknown campaign (`errors.campaign_hash`), a list that is unknown or
not the campaign's (`errors.list_id`), an unknown segment, an address not in the list, a contact that is
not active, or a selection with nobody in it (`errors.segments`). A `schedule_date` queues the campaign
instead of sending it (nothing is delivered).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from egoi_mcp.sandbox import render, segments
from egoi_mcp.sandbox.endpoints._common import sandbox_of, sort_key
from egoi_mcp.sandbox.models import Campaign, Contact, MailingList
from egoi_mcp.sandbox.params import EMAIL, ORDER, choice, integer, paging, positive_int, read_object, window
from egoi_mcp.sandbox.problems import invalid
from egoi_mcp.sandbox.state import Sandbox

CHANNELS = ("email", "push", "sms", "smart_sms", "voice", "web_push")
STATUSES = ("draft", "canceled", "queued", "paused", "sending", "sent")
CAMPAIGN_ORDER_BY = ("list_id", "internal_name", "created_by", "group_id", "created")
_TEXT_FILTERS = ("campaign_hash", "internal_name")
_NUMBER_FILTERS = ("list_id", "created_by", "group_id")


async def get_campaigns(request: Request) -> JSONResponse:
    offset, limit = paging(request, default_limit=100)
    order = choice(request, "order", ORDER, "desc")
    order_by = choice(request, "order_by", CAMPAIGN_ORDER_BY, "created") or "created"
    wanted: dict[str, Any] = {
        "channel": choice(request, "channel", CHANNELS),
        "status": choice(request, "status", STATUSES),
        **{name: request.query_params.get(name) or None for name in _TEXT_FILTERS},
        **{name: integer(request, name, default=0, minimum=1) or None for name in _NUMBER_FILTERS},
    }
    found = [
        campaign
        for campaign in sandbox_of(request).campaigns.values()
        if all(value is None or getattr(campaign, name) == value for name, value in wanted.items())
    ]
    found.sort(key=lambda c: (sort_key(getattr(c, order_by)), c.id), reverse=order == "desc")
    items = [render.campaign(campaign) for campaign in window(found, offset, limit)]
    return JSONResponse(render.collection(items, len(found)))


async def send_email(request: Request) -> JSONResponse:
    sandbox = sandbox_of(request)
    campaign = sandbox.campaigns.get(request.path_params["campaign_hash"])
    if campaign is None or campaign.channel != "email":
        raise invalid({"campaign_hash": "No e-mail campaign has this hash"}, detail="Campaign not found")
    body = await read_object(request)
    record = _campaign_list(sandbox, campaign, body.get("list_id"))
    selection = body.get("segments")
    if not isinstance(selection, dict) or selection.get("type") not in ("none", "segment", "contact"):
        raise invalid({"segments": 'Must be {"type": "none"}, {"type": "segment", ...} or {"type": "contact", ...}'})
    if "schedule_date" in body:
        sandbox.schedule_email(campaign, _schedule_date(body["schedule_date"]))
        return JSONResponse({"result": "success"})
    recipients = _recipients(sandbox, record, selection)
    if not recipients:
        raise invalid({"segments": "Nobody to send to: the selection has no active contact with an e-mail address"})
    sandbox.send_email(campaign, recipients)
    return JSONResponse({"result": "success"})


def _campaign_list(sandbox: Sandbox, campaign: Campaign, list_id: Any) -> MailingList:
    record = sandbox.lists.get(positive_int(list_id, "list_id"))
    if record is None:
        raise invalid({"list_id": "List not found"})
    if record.list_id != campaign.list_id:
        raise invalid({"list_id": f"The campaign belongs to list {campaign.list_id}"})
    return record


def _recipients(sandbox: Sandbox, record: MailingList, selection: dict[str, Any]) -> list[Contact]:
    data = selection.get("data")
    if selection["type"] == "none":
        chosen = sandbox.contacts_of(record.list_id)
    elif selection["type"] == "segment":
        if not isinstance(data, list) or not data or not all(isinstance(item, str) for item in data):
            raise invalid({"segments": "data must be a non-empty array of segment ids"})
        chosen = []
        for segment_id in dict.fromkeys(data):
            found = segments.members(sandbox, record.list_id, segment_id)
            if found is None:
                raise invalid({"segments": f"Segment {segment_id} not found in list {record.list_id}"})
            chosen += found
    else:
        if not isinstance(data, str) or not EMAIL.match(data):
            raise invalid({"segments": "data must be the contact's e-mail address"})
        contact = sandbox.find_by(record.list_id, "email", data)
        if contact is None:
            raise invalid({"segments": f"No contact with this e-mail address in list {record.list_id}"})
        if contact.status != "active":
            raise invalid({"segments": f"The contact is {contact.status}: only active contacts receive e-mails"})
        chosen = [contact]
    unique = {contact.contact_id: contact for contact in chosen}
    return [contact for contact in unique.values() if contact.status == "active" and contact.email]


def _schedule_date(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid({"schedule_date": "Must be a date-time, YYYY-MM-DD HH:MM:SS"}) from None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


routes = [
    Route("/campaigns", get_campaigns, methods=["GET"]),
    Route("/campaigns/email/{campaign_hash}/actions/send", send_email, methods=["POST"]),
]
