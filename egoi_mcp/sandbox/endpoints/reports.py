"""`GET /reports/email/{campaign_hash}`: a campaign's e-mail report (see `report.py` for what it counts).

An unknown hash, or a campaign of another channel, answers 404. Each of the query flags `date`, `weekday`,
`hour`, `location`, `domain`, `url` and `reader` (default true) shows or hides its series.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from egoi_mcp.sandbox.endpoints._common import sandbox_of
from egoi_mcp.sandbox.params import flag
from egoi_mcp.sandbox.problems import not_found
from egoi_mcp.sandbox.report import SECTIONS, email_report
from egoi_mcp.sandbox.responses import JSONResponse


async def get_email_report(request: Request) -> JSONResponse:
    sections = [name for name in SECTIONS if flag(request, name, default=True)]
    sandbox = sandbox_of(request)
    campaign = sandbox.campaigns.get(request.path_params["campaign_hash"])
    if campaign is None or campaign.channel != "email":
        raise not_found("Campaign not found")
    return JSONResponse(email_report(campaign.campaign_hash, sandbox.activities, sections))


routes = [Route("/reports/email/{campaign_hash}", get_email_report, methods=["GET"])]
