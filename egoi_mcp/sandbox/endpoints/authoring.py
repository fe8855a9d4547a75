"""Writing campaigns and what they need: `POST /campaigns/email`, `PATCH /campaigns/email/{hash}`,
`GET /senders/email` and `GET /lists/{list_id}/fields` (base and extra fields, a bare array as the spec says).

The fields of an unknown list answer 422 on `list_id` (the spec documents no 404 there). See `authoring.py`
for what a campaign write checks.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from egoi_mcp.sandbox.authoring import create_campaign, update_campaign
from egoi_mcp.sandbox.endpoints._common import list_or_422, sandbox_of
from egoi_mcp.sandbox.extra_fields import all_fields
from egoi_mcp.sandbox.params import choice, paging, read_object, window
from egoi_mcp.sandbox.problems import not_found
from egoi_mcp.sandbox.responses import JSONResponse

SENDER_STATUSES = ("active", "moderation", "rejected")


async def post_email_campaign(request: Request) -> JSONResponse:
    campaign = create_campaign(sandbox_of(request), await read_object(request))
    return JSONResponse({"campaign_hash": campaign.campaign_hash}, status_code=201)


async def patch_email_campaign(request: Request) -> JSONResponse:
    sandbox = sandbox_of(request)
    campaign = sandbox.campaigns.get(request.path_params["campaign_hash"])
    if campaign is None or campaign.channel != "email":
        raise not_found("Campaign not found")
    update_campaign(sandbox, campaign, await read_object(request))
    return JSONResponse({"campaign_hash": campaign.campaign_hash})


async def get_email_senders(request: Request) -> JSONResponse:
    offset, limit = paging(request)
    status = choice(request, "status", SENDER_STATUSES)
    found = [s for s in sandbox_of(request).senders.values() if status is None or s.status == status]
    items = [
        {"sender_id": s.sender_id, "name": s.name, "email": s.email, "status": s.status}
        for s in window(sorted(found, key=lambda s: s.sender_id), offset, limit)
    ]
    return JSONResponse({"items": items})


async def get_fields(request: Request) -> JSONResponse:
    record = list_or_422(request)
    offset, limit = paging(request)
    return JSONResponse(window(all_fields(sandbox_of(request), record.list_id), offset, limit))


routes = [
    Route("/campaigns/email", post_email_campaign, methods=["POST"]),
    Route("/campaigns/email/{campaign_hash}", patch_email_campaign, methods=["PATCH"]),
    Route("/senders/email", get_email_senders, methods=["GET"]),
    Route("/lists/{list_id}/fields", get_fields, methods=["GET"]),
]
