"""Campaigns and segments: listing, sending (now or scheduled), reports, and the send queue (pending, cancel)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from egoi_mcp._dates import format_datetime
from egoi_mcp._paging import EGOI_MAX_LIMIT, make_page
from egoi_mcp.client._base import parse, path, unexpected
from egoi_mcp.client._contacts import ContactsAPI
from egoi_mcp.client._transport import Retry
from egoi_mcp.client._validate import check_campaign, check_contact_ids
from egoi_mcp.errors import ConflictError, InvalidArgumentError, NetworkError, NotFoundError, UpstreamError
from egoi_mcp.models import Campaign, CampaignReport, Contact, Operation, Page, Segment, json_object

_REPORT_PARTS = {"date": "true", "url": "true", "weekday": "false", "hour": "false", "location": "false",
                 "domain": "false", "reader": "false"}  # fmt: skip


class CampaignsAPI(ContactsAPI):
    async def campaign_list(
        self, *, list_id: int | None = None, status: str | None = None, channel: str | None = "email",
        limit: int = 25, cursor: str | None = None,
    ) -> Page[Campaign]:  # fmt: skip
        items, total, offset = await self._collection(
            "/campaigns", limit=limit, cursor=cursor,
            params={"channel": channel, "list_id": list_id, "status": status},
        )  # fmt: skip
        campaigns = [parse(Campaign.from_egoi, i) for i in items]
        self._campaign_names.learn({c.id: c.name for c in campaigns})
        return make_page(campaigns, offset=offset, limit=limit, total=total)

    async def get_campaign(self, campaign_id: str) -> Campaign:
        """One campaign by hash (`GET /campaigns?campaign_hash=`)."""
        check_campaign(campaign_id)
        items, _, _ = await self._collection("/campaigns", limit=1, cursor=None, params={"campaign_hash": campaign_id})
        if not items:
            raise NotFoundError(
                f"no campaign {campaign_id!r}: list campaigns to see their ids", code="CAMPAIGN_NOT_FOUND", status=404
            )
        campaign = parse(Campaign.from_egoi, items[0])
        self._campaign_names.learn({campaign.id: campaign.name})
        return campaign

    async def campaign_names(self, campaign_ids: list[str] | None = None) -> dict[str, str]:
        """Campaign hash -> name, from one cached listing; with `campaign_ids`, only those (a hash the cache
        does not know triggers one fresh listing)."""
        if campaign_ids is None:
            return dict(await self._campaign_names.all())
        return await self._campaign_names.lookup(list(campaign_ids))

    async def send_email_to_contact(
        self, campaign_id: str, contact_id: str, list_id: int | None = None, send_at: datetime | None = None
    ) -> str:
        """Send (or, with `send_at`, schedule) an e-mail campaign to one contact of the campaign's list (or
        `list_id`). E-goi's send takes the address, so the contact is read first. Returns the address.
        Never retried."""
        check_campaign(campaign_id)
        when = self._schedule_date(send_at)
        list_id = await self._campaign_list_id(campaign_id, list_id)
        (contact_id,) = check_contact_ids([contact_id])
        body = await self._request("GET", path("/lists/{}/contacts/{}", list_id, contact_id), resource="contact")
        contact = parse(Contact.from_egoi, body, list_id=list_id)  # only its address: no tag names needed
        if not contact.email:
            raise InvalidArgumentError(
                f"contact {contact_id} has no e-mail address in list {list_id}", code="EMAIL_ADDRESS_INVALID"
            )
        await self._send(campaign_id, list_id, {"type": "contact", "data": contact.email}, when)
        return contact.email

    async def send_email_to_segment(
        self, campaign_id: str, segment_id: str, list_id: int | None = None, send_at: datetime | None = None
    ) -> None:
        """Send (or, with `send_at`, schedule) an e-mail campaign to a segment of the campaign's list (or
        `list_id`). Never retried."""
        check_campaign(campaign_id)
        if not str(segment_id).strip():
            raise InvalidArgumentError("segment_id is empty: find it with segment_list", code="SEGMENT_NOT_FOUND")
        when = self._schedule_date(send_at)
        list_id = await self._campaign_list_id(campaign_id, list_id)
        await self._send(campaign_id, list_id, {"type": "segment", "data": [str(segment_id)]}, when)

    async def _campaign_list_id(self, campaign_id: str, list_id: int | None) -> int:
        """The list a send goes to: the one given, else the campaign's own (one read), else the default."""
        if list_id is not None:
            return self.resolve_list_id(list_id)
        campaign = await self.get_campaign(campaign_id)
        return self.resolve_list_id(campaign.list_id)

    def _schedule_date(self, send_at: datetime | None) -> str | None:
        """E-goi's `schedule_date` for `send_at` (naive means UTC); it must lie in the future."""
        if send_at is None:
            return None
        if not isinstance(send_at, datetime):
            raise InvalidArgumentError(f"send_at must be a date-time, not {send_at!r}")
        moment = send_at if send_at.tzinfo else send_at.replace(tzinfo=UTC)
        if moment.timestamp() <= self._clock():
            raise InvalidArgumentError(
                f"send_at {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC is in the past: give a future date-time, "
                "or omit it to send now"
            )
        return format_datetime(moment)

    async def _send(self, campaign_id: str, list_id: int, segments: dict[str, Any], when: str | None) -> None:
        payload: dict[str, Any] = {"list_id": list_id, "segments": segments}
        if when is not None:
            payload["schedule_date"] = when
        try:
            await self._request(
                "POST", path("/campaigns/email/{}/actions/send", campaign_id),
                json=payload, resource="campaign", retry=Retry.NEVER,
            )  # fmt: skip
        except (UpstreamError, NetworkError) as exc:
            # E-goi may have queued the send before failing: "try again" could mail everyone twice.
            reason = f"HTTP {exc.status}" if exc.status else "no answer"
            raise type(exc)(
                f"E-goi did not confirm the send ({reason}). It may have been queued anyway: check the "
                "campaign's pending sends (pending_sends) or status in the campaign list before sending again",
                status=exc.status,
            ) from None

    async def get_campaign_report(self, campaign_id: str) -> CampaignReport:
        """How an e-mail campaign did (`GET /reports/email/{campaign_hash}`), with rates and a summary line.

        Always one call: E-goi's report carries only the hash, so the name is the one the client already knows
        (from a campaign listing or read), else left out."""
        check_campaign(campaign_id)
        body = await self._request(
            "GET", path("/reports/email/{}", campaign_id), params=_REPORT_PARTS, resource="campaign"
        )
        if not isinstance(body, dict):
            raise unexpected("the campaign report")
        names = self._campaign_names.known([campaign_id])
        return parse(CampaignReport.from_egoi, body, campaign_id=campaign_id, name=names.get(campaign_id))

    async def pending_sends(self, campaign_id: str) -> list[Operation]:
        """The campaign's sends still in E-goi's queue (`GET /operations?type=email`): queued, scheduled,
        running or paused."""
        check_campaign(campaign_id)
        items = await self._every("/operations", params={"type": "email"})
        operations = [parse(Operation.from_egoi, item) for item in items]
        return [op for op in operations if op.campaign_id == campaign_id]

    async def cancel_send(self, campaign_id: str) -> list[Operation]:
        """Cancel the campaign's pending sends (`POST /operations/actions/cancel`); returns those cancelled,
        empty when nothing was pending. A send E-goi will no longer cancel (already running) is a conflict."""
        pending = await self.pending_sends(campaign_id)
        if not pending:
            return []
        body = await self._request(
            "POST", "/operations/actions/cancel", json={"operations": list(dict.fromkeys(op.id for op in pending))},
            retry=Retry.ON_429,
        )  # fmt: skip
        body = json_object(body)
        done = {i for i in body.get("success") or [] if isinstance(i, int)}
        cancelled = [op for op in pending if op.id in done]
        if not cancelled:
            errors = json_object(body.get("error"))
            why = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in errors.items() if v) or "no reason given"
            raise ConflictError(
                f"E-goi cancelled none of the campaign's {len(pending)} pending send(s) ({why}); a send that "
                "already started cannot be stopped: check pending_sends",
                status=200,
            )
        return cancelled

    async def segment_list(
        self, list_id: int | None = None, *, type: str | None = None, limit: int = 25, cursor: str | None = None
    ) -> Page[Segment]:
        list_id = self.resolve_list_id(list_id)
        items, total, offset = await self._collection(
            path("/lists/{}/segments", list_id), limit=limit, cursor=cursor, resource="list", params={"type": type}
        )
        return make_page([parse(Segment.from_egoi, i) for i in items], offset=offset, limit=limit, total=total)

    async def get_segment(self, segment_id: str, list_id: int | None = None) -> Segment:
        """One segment of a list, found in the list's segments (usually one call)."""
        cursor = None
        while True:
            page = await self.segment_list(list_id, limit=EGOI_MAX_LIMIT, cursor=cursor)
            for segment in page.items:
                if segment.id == str(segment_id):
                    return segment
            if not page.next_cursor:
                raise NotFoundError(
                    f"no segment {segment_id!r} in list {self.resolve_list_id(list_id)}: list the segments for ids",
                    code="SEGMENT_NOT_FOUND",
                    status=404,
                )
            cursor = page.next_cursor
