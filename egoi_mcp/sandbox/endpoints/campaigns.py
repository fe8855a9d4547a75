"""`GET /campaigns` and `POST /campaigns/email/{campaign_hash}/actions/send`.

A send is validated, then queued (`queue.py`): with a `schedule_date` (a future date-time) it waits until
then, without one it waits a few seconds; then it runs (`sending.py` says who receives it). The spec
documents no 404 for a send, so everything that cannot be found answers 422: an unknown campaign
(`errors.campaign_hash`), a list that is unknown or not the campaign's (`errors.list_id`), a segment of
another list or unknown, an address not in the list, a contact that is not active, or a selection with
nobody in it (`errors.segments`), a `schedule_date` that is not a future date-time. Nothing is queued
when refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from egoi_mcp.sandbox import render, sending
from egoi_mcp.sandbox.endpoints._common import sandbox_of, sort_key
from egoi_mcp.sandbox.models import Campaign, MailingList
from egoi_mcp.sandbox.params import ORDER, choice, integer, paging, positive_int, read_object, window
from egoi_mcp.sandbox.problems import invalid
from egoi_mcp.sandbox.render import stamp
from egoi_mcp.sandbox.responses import JSONResponse
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
    record = campaign_list(sandbox, campaign, body.get("list_id"))
    at = schedule_date(sandbox, body["schedule_date"]) if "schedule_date" in body else None
    selection = sending.check(sandbox, record.list_id, body.get("segments"))
    sandbox.queue.add(campaign, selection, at)
    return JSONResponse({"result": "success"})


def campaign_list(sandbox: Sandbox, campaign: Campaign, list_id: Any) -> MailingList:
    record = sandbox.lists.get(positive_int(list_id, "list_id"))
    if record is None:
        raise invalid({"list_id": "List not found"})
    if record.list_id != campaign.list_id:
        raise invalid({"list_id": f"The campaign belongs to list {campaign.list_id}"})
    return record


def schedule_date(sandbox: Sandbox, value: Any) -> datetime:
    """A future date-time: `YYYY-MM-DD HH:MM:SS` (UTC) or RFC 3339."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None:
        raise invalid({"schedule_date": "Must be a date-time, YYYY-MM-DD HH:MM:SS"})
    when = (when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)).replace(microsecond=0)
    if when <= sandbox.now():
        raise invalid({"schedule_date": f"Must be in the future (it is {stamp(sandbox.now())} UTC now)"})
    return when


routes = [
    Route("/campaigns", get_campaigns, methods=["GET"]),
    Route("/campaigns/email/{campaign_hash}/actions/send", send_email, methods=["POST"]),
]
