"""`client.reports`: how a campaign did, from the report of its channel (e-mail or SMS)."""

from __future__ import annotations

from egoi_mcp.client._campaigns import CampaignsAPI
from egoi_mcp.client._channels import route
from egoi_mcp.client._core import Core, Resource, parse, path, unexpected
from egoi_mcp.client._validate import check_campaign
from egoi_mcp.models import Campaign, CampaignReport
from egoi_mcp.sms import SmsReport
from egoi_mcp.untrusted import quote

_REPORT_PARTS = {"date": "true", "url": "true", "weekday": "false", "hour": "false", "location": "false",
                 "domain": "false", "reader": "false"}  # fmt: skip


class ReportsAPI(Resource):
    def __init__(self, core: Core, campaigns: CampaignsAPI) -> None:
        super().__init__(core)
        self._campaigns = campaigns

    async def campaign(self, campaign_id: str) -> CampaignReport:
        """How a campaign did, by its channel: the campaign (one call, none when this client has read or written it
        before), then its e-mail report (`email`) or its SMS report (`sms`)."""
        campaign = await self._campaigns.routed(check_campaign(campaign_id))
        return await (self.sms(campaign) if route(campaign) == "sms" else self.email(campaign_id))

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

    async def sms(self, campaign: Campaign) -> CampaignReport:
        """How an SMS campaign did (`GET /reports/sms/{campaign_hash}`, by network): sent and delivered, and the
        SMS report's own fields under `sms`; none of the e-mail fields."""
        body = await self._core.request(
            "GET", path("/reports/sms/{}", check_campaign(campaign.id)), params={"networks": "true"},
            resource="campaign",
        )  # fmt: skip
        if not isinstance(body, dict):
            raise unexpected("the SMS report")
        sent, delivered, sms = parse(SmsReport.from_egoi, body)
        return CampaignReport(
            campaign_id=campaign.id, name=campaign.name or None, sent=sent, delivered=delivered, sms=sms,
            by_day_granularity=None, summary=_summary(campaign, sent, delivered, sms),
        )  # fmt: skip


def _summary(campaign: Campaign, sent: int, delivered: int, sms: SmsReport) -> str:
    label = quote(campaign.name) if campaign.name else campaign.id  # a name is a stranger's text: fenced
    if sent == 0:
        return f"SMS campaign {label} has not been sent yet: there is nothing to report"
    text = f"{sent:,} SMS sent, {delivered:,} delivered ({sms.delivery_rate:.1f}%)"
    if sms.failed or sms.invalid:
        text += f", {sms.failed:,} failed, {sms.invalid:,} invalid numbers"
    return text + (f", {sms.pending:,} pending" if sms.pending else "")
