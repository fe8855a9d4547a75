"""SMS: `POST /campaigns/sms`, `POST /campaigns/sms/{hash}/actions/send`, `GET /reports/sms/{hash}`,
`GET /senders/cellphone`, and the account's balance in `GET /my-account`.

A send is validated (`sms_sending.check`: who it reaches and what it costs), then queued like an e-mail send
(`queue.py`) and answered 202. The send documents no 404, so an unknown campaign or one of another channel is
422 on `campaign_hash`; `destination_field` must be `cellphone` (the sandbox has no extra cellphone fields).
The report of an unknown hash, or of a campaign of another channel, is 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from egoi_mcp.sandbox import sms_sending
from egoi_mcp.sandbox.endpoints._common import sandbox_of
from egoi_mcp.sandbox.endpoints.authoring import SENDER_STATUSES
from egoi_mcp.sandbox.endpoints.campaigns import campaign_list, schedule_date
from egoi_mcp.sandbox.params import choice, flag, paging, read_object, window
from egoi_mcp.sandbox.problems import invalid, not_found
from egoi_mcp.sandbox.responses import JSONResponse
from egoi_mcp.sandbox.sms import create_sms_campaign, sms_report


async def post_sms_campaign(request: Request) -> JSONResponse:
    campaign = create_sms_campaign(sandbox_of(request), await read_object(request))
    return JSONResponse({"campaign_hash": campaign.campaign_hash}, status_code=201)


async def send_sms(request: Request) -> JSONResponse:
    sandbox = sandbox_of(request)
    campaign = sandbox.campaigns.get(request.path_params["campaign_hash"])
    if campaign is None or campaign.channel != "sms":
        raise invalid({"campaign_hash": "No SMS campaign has this hash"}, detail="Campaign not found")
    body = await read_object(request)
    record = campaign_list(sandbox, campaign, body.get("list_id"))
    if body.get("destination_field") != "cellphone":
        raise invalid({"destination_field": "Must be cellphone"})
    at = schedule_date(sandbox, body["schedule_date"]) if "schedule_date" in body else None
    selection = sms_sending.check(sandbox, campaign, record.list_id, body.get("segments"))
    sandbox.queue.add(campaign, selection, at)
    return JSONResponse({"result": "success"}, status_code=202)


async def get_sms_report(request: Request) -> JSONResponse:
    networks = flag(request, "networks", default=True)
    sandbox = sandbox_of(request)
    campaign = sandbox.campaigns.get(request.path_params["campaign_hash"])
    if campaign is None or campaign.channel != "sms":
        raise not_found("Campaign not found")
    return JSONResponse(sms_report(campaign.campaign_hash, sandbox.activities, networks))


async def get_cellphone_senders(request: Request) -> JSONResponse:
    offset, limit = paging(request)
    status = choice(request, "status", SENDER_STATUSES)
    found = [s for s in sandbox_of(request).cellphone_senders.values() if status is None or s.status == status]
    items = [
        {"sender_id": s.sender_id, "cellphone": s.cellphone, "type": s.type, "status": s.status}
        for s in window(sorted(found, key=lambda s: s.sender_id), offset, limit)
    ]
    return JSONResponse({"items": items})


async def get_my_account(request: Request) -> JSONResponse:
    balance = sandbox_of(request).balance
    return JSONResponse(
        {
            "general_info": {"client_id": "1", "name": "Acme (sandbox)", "website": "www.acme.example"},
            "plan_info": {"type": "pro"},
            "balance_info": {"balance": f"{balance:.2f}", "currency": "EUR"},
        }
    )


routes = [
    Route("/campaigns/sms", post_sms_campaign, methods=["POST"]),
    Route("/campaigns/sms/{campaign_hash}/actions/send", send_sms, methods=["POST"]),
    Route("/reports/sms/{campaign_hash}", get_sms_report, methods=["GET"]),
    Route("/senders/cellphone", get_cellphone_senders, methods=["GET"]),
    Route("/my-account", get_my_account, methods=["GET"]),
]
