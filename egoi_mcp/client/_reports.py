"""`client.reports`: how an e-mail campaign did."""

from __future__ import annotations

from egoi_mcp.client._core import Resource, parse, path, unexpected
from egoi_mcp.client._validate import check_campaign
from egoi_mcp.models import CampaignReport

_REPORT_PARTS = {"date": "true", "url": "true", "weekday": "false", "hour": "false", "location": "false",
                 "domain": "false", "reader": "false"}  # fmt: skip


class ReportsAPI(Resource):
    async def email(self, campaign_id: str) -> CampaignReport:
        """How an e-mail campaign did (`GET /reports/email/{campaign_hash}`), with rates and a summary line.

        Always one call: E-goi's report carries only the hash, so the name is the one the client already knows
        (from a campaign listing or read), else left out."""
        check_campaign(campaign_id)
        body = await self._core.request(
            "GET", path("/reports/email/{}", campaign_id), params=_REPORT_PARTS, resource="campaign"
        )
        if not isinstance(body, dict):
            raise unexpected("the campaign report")
        names = self._core.campaign_names.known([campaign_id])
        return parse(CampaignReport.from_egoi, body, campaign_id=campaign_id, name=names.get(campaign_id))
