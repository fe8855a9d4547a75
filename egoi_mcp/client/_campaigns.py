"""`client.campaigns`: write e-mail and SMS campaigns, list and read them, know them by name, and send one (now or
scheduled) by the route of its channel (`_channels.route`).

A send is two steps. `plan_send` is the one place that decides the list a send goes to and checks `send_at`
(one call: the campaign); `send` is the send itself, exactly one E-goi call, never retried. A `SendPlan` is a
frozen pydantic model, so what a preview worked out can be carried to the confirmed act.
"""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from html import escape
from typing import Any

from pydantic import BaseModel, ConfigDict

from egoi_mcp._dates import format_datetime
from egoi_mcp._paging import make_page
from egoi_mcp.client._channels import route
from egoi_mcp.client._contacts import ContactsAPI
from egoi_mcp.client._content import CampaignDetail, summarise
from egoi_mcp.client._core import Core, Resource, parse, path
from egoi_mcp.client._senders import SendersAPI
from egoi_mcp.client._transport import Retry
from egoi_mcp.client._validate import check_campaign, check_contact_ids, check_text, egoi_phone
from egoi_mcp.client._written import Written, WrittenContent
from egoi_mcp.errors import InvalidArgumentError, NetworkError, NotFoundError, UpstreamError
from egoi_mcp.models import Campaign, Page
from egoi_mcp.sms import MAX_PARTS, SmsCampaign, sms_length
from egoi_mcp.untrusted import quote


class SendPlan(BaseModel):
    """A send worked out: the campaign (id, name, subject, status, list_id), the list the send goes to, and the
    moment it is scheduled for (aware, UTC; None: now)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    campaign: Campaign
    list_id: int
    send_at: datetime | None = None


_UNCONFIRMED_WRITE = (
    "E-goi did not confirm the campaign was %s ({reason}); it may have been anyway: check the campaign list before "
    "trying again"
)
_UNCONFIRMED_SEND = (
    "E-goi did not confirm the send ({reason}). It may have been queued anyway: check the campaign's pending sends "
    "(pending_sends) or status in the campaign list before sending again"
)
_FRESH = 60.0  # seconds a campaign read in a listing stands in for reading it again to plan a send


class CampaignsAPI(Resource):
    def __init__(self, core: Core, contacts: ContactsAPI, senders: SendersAPI, written: WrittenContent) -> None:
        super().__init__(core)
        self._contacts = contacts
        self._senders = senders
        self._seen: dict[str, tuple[float, Campaign]] = {}  # hash -> (when read, campaign), from listings
        self._channels: dict[str, str] = {}  # hash -> channel, of every campaign read or written (it never changes)
        self._written = written  # what was written into each campaign (E-goi does not return content)

    async def create_email(
        self, list_id: int | None, subject: str, sender: str | int, *, html: str | None = None,
        text: str | None = None, name: str | None = None, reply_to: str | int | None = None,
    ) -> CampaignDetail:  # fmt: skip
        """Create a draft e-mail campaign (`POST /campaigns/email`): `sender` (and `reply_to`) by address or id,
        resolved through `senders.email` (one call); `html` or `text` (or both: text is the plain part); `name`
        defaults to the subject. Attempted once: a failure says to check the campaign list before trying again."""
        list_id = self._core.resolve_list_id(list_id)
        subject = _subject(subject)
        content = _content(html, text)
        sender_, reply = await self._senders.resolve(sender, reply_to)
        written = Written(html=content["body"], plain_text=text or "", sender=sender_.email,
                          reply_to=reply.email if reply else None)  # fmt: skip
        payload: dict[str, Any] = {
            "list_id": list_id, "internal_name": check_text(name or subject, "name") or subject, "subject": subject,
            "sender_id": sender_.id, "content": content, **({"reply_to": reply.id} if reply else {}),
        }  # fmt: skip
        body = await self._write("POST", "/campaigns/email", payload, _UNCONFIRMED_WRITE % "created", resource="list")
        campaign_id = parse(lambda b: str(b["campaign_hash"]), body)
        campaign = Campaign(id=campaign_id, name=payload["internal_name"], channel="email", status="draft",
                            subject=subject, list_id=list_id)  # fmt: skip
        await self._written.put(campaign_id, written)
        self._learn([campaign])
        return await self._detail(campaign, include_html=False)

    async def create_sms(
        self, list_id: int | None, sender: str | int, text: str, *, name: str | None = None
    ) -> SmsCampaign:
        """Create a draft SMS campaign (`POST /campaigns/sms`): `sender` by number, name or id, resolved through
        `senders.cellphone` (one call); the encoding and `max_messages` follow from the text (at most 7 parts);
        `name` defaults to the text's start. Attempted once, like `create_email`."""
        list_id = self._core.resolve_list_id(list_id)
        message = (check_text(text, "text") or "").strip()
        length = sms_length(message)
        if not length.parts:
            raise InvalidArgumentError("text is empty: give the message recipients get", code="NO_MESSAGE")
        if length.parts > MAX_PARTS:
            raise InvalidArgumentError(
                f"the text takes {length.parts} SMS parts ({length.characters} {length.encoding} characters): E-goi "
                f"sends at most {MAX_PARTS}; shorten it", code="CONTENT_TOO_LARGE",
            )  # fmt: skip
        internal_name = (check_text(name, "name") or "").strip() or " ".join(message.split())[:60]
        resolved = await self._senders.resolve_cellphone(sender)
        payload: dict[str, Any] = {
            "list_id": list_id, "internal_name": internal_name, "sender_id": resolved.id,
            "content": {"type": "text", "message": message},
            "options": {"encoding": length.encoding, "max_messages": length.parts},
        }  # fmt: skip
        body = await self._write("POST", "/campaigns/sms", payload, _UNCONFIRMED_WRITE % "created", resource="list")
        campaign_id = parse(lambda b: str(b["campaign_hash"]), body)
        await self._written.put(campaign_id, Written(plain_text=message, sender=resolved.label))
        self._learn([Campaign(id=campaign_id, name=internal_name, channel="sms")])
        return SmsCampaign(id=campaign_id, name=internal_name, list_id=list_id, sender=resolved.label, text=message,
                           **length.model_dump())  # fmt: skip

    async def sms_text(self, campaign_id: str) -> str | None:
        """The text of an SMS campaign written through this client or its store (E-goi's API does not return
        it), else None."""
        known = await self._written.get(campaign_id)
        return known.plain_text if known is not None and known.html is None and known.plain_text else None

    async def update_email(
        self, campaign_id: str, *, subject: str | None = None, sender: str | int | None = None,
        html: str | None = None, text: str | None = None, name: str | None = None,
    ) -> CampaignDetail:  # fmt: skip
        """Change a draft (`PATCH /campaigns/email/{hash}`): only what is given. Reads the campaign first (one
        call) and refuses one that is not a draft (sent, sending, queued...)."""
        check_campaign(campaign_id)
        if all(v is None for v in (subject, sender, html, text, name)):
            raise InvalidArgumentError("nothing to change: give subject, sender, html, text or name")
        payload: dict[str, Any] = {}
        if subject is not None:
            payload["subject"] = _subject(subject)
        if name is not None:
            payload["internal_name"] = check_text(name, "name") or ""
            if not payload["internal_name"].strip():
                raise InvalidArgumentError("name is empty: give the campaign's internal name, or omit it")
        if html is not None or text is not None:
            content = _content(html, text)
            payload["content"] = {k: v for k, v in content.items() if k != "type"}
        campaign = await self.get(campaign_id)
        if campaign.status != "draft":
            raise InvalidArgumentError(
                f"campaign {quote(campaign.name)} is {campaign.status}: only a draft can be changed; create a new "
                "campaign instead", code="CAMPAIGN_NOT_EDITABLE",
            )  # fmt: skip
        known = await self._written.get(campaign_id) or Written()
        if sender is not None:
            resolved, _ = await self._senders.resolve(sender)
            payload["sender_id"] = resolved.id
            known = known.model_copy(update={"sender": resolved.email})
        if "content" in payload:
            known = known.model_copy(update={"html": payload["content"]["body"], "plain_text": text or ""})
        await self._write("PATCH", path("/campaigns/email/{}", campaign_id), payload, _UNCONFIRMED_WRITE % "changed")
        await self._written.put(campaign_id, known)
        changed = {
            "subject": payload.get("subject", campaign.subject),
            "name": payload.get("internal_name", campaign.name),
        }
        return await self._detail(campaign.model_copy(update=changed), include_html=False)

    async def detail(self, campaign_id: str, *, include_html: bool = False) -> CampaignDetail:
        """One campaign (one call) with its content summary when this client wrote its content, and the HTML
        itself with `include_html`."""
        return await self._detail(await self.get(campaign_id), include_html=include_html)

    async def written_html(self, campaign_id: str) -> str | None:
        """The HTML last written into the campaign (no E-goi call), or None: E-goi does not return it."""
        known = await self._written.get(campaign_id)
        return known.html if known is not None else None

    async def _detail(self, campaign: Campaign, *, include_html: bool) -> CampaignDetail:
        known = await self._written.get(campaign.id)
        detail = CampaignDetail.model_validate(campaign.model_dump(include=set(CampaignDetail.model_fields)))
        if known is not None:
            detail.sender = known.sender
            if known.html is not None:
                detail.content = summarise(known.html, known.plain_text)
                detail.html = known.html if include_html else None
        return detail

    async def _write(
        self, method: str, target: str, payload: dict[str, Any], unconfirmed: str, *, resource: str = "campaign",
        retry: Retry = Retry.ON_429,
    ) -> Any:  # fmt: skip
        """A write attempted once (a 429 aside, unless `retry` says never): a failure may still have reached E-goi,
        so it says so (`unconfirmed`, with `{reason}`) rather than inviting a blind retry."""
        try:
            return await self._core.request(method, target, json=payload, resource=resource, retry=retry)
        except (UpstreamError, NetworkError) as exc:
            reason = f"HTTP {exc.status}" if exc.status else "no answer"
            raise type(exc)(unconfirmed.format(reason=reason), status=exc.status) from None

    async def list(
        self, *, list_id: int | None = None, status: str | None = None, channel: str | None = "email",
        limit: int = 25, cursor: str | None = None,
    ) -> Page[Campaign]:  # fmt: skip
        """One page of campaigns (`GET /campaigns`), of a list, status or channel when given."""
        items, total, offset = await self._core.page(
            "/campaigns", limit=limit, cursor=cursor,
            params={"channel": channel, "list_id": list_id, "status": status},
        )  # fmt: skip
        campaigns = [parse(Campaign.from_egoi, i) for i in items]
        self._learn(campaigns)
        now = self._core.clock()
        self._seen = {h: seen for h, seen in self._seen.items() if now - seen[0] < _FRESH}
        self._seen.update((c.id, (now, c)) for c in campaigns)
        return make_page(campaigns, offset=offset, limit=limit, total=total)

    async def get(self, campaign_id: str) -> Campaign:
        """One campaign by hash (`GET /campaigns?campaign_hash=`)."""
        check_campaign(campaign_id)
        items, _, _ = await self._core.page("/campaigns", limit=1, cursor=None, params={"campaign_hash": campaign_id})
        if not items:
            raise NotFoundError(
                f"no campaign {campaign_id!r}: list campaigns to see their ids", code="CAMPAIGN_NOT_FOUND", status=404
            )
        campaign = parse(Campaign.from_egoi, items[0])
        self._learn([campaign])
        return campaign

    async def names(self, campaign_ids: builtins.list[str] | None = None) -> dict[str, str]:
        """Campaign hash -> name, from one cached listing; with `campaign_ids`, only those (a hash the cache
        does not know triggers one fresh listing). Within a call's request bound, names past it go missing."""
        if campaign_ids is None:
            return dict(await self._core.campaign_names.all())
        return await self._core.campaign_names.lookup(builtins.list(campaign_ids))

    async def plan_send(
        self, campaign_id: str, list_id: int | None = None, send_at: datetime | None = None
    ) -> SendPlan:
        """Work out a send: one call (the campaign), none when a listing showed it within the last minute. The
        list is the campaign's own; `list_id` may only repeat it (or name the list of a campaign that has none);
        the default list is the last resort. `send_at` (naive means UTC) must lie in the future. Refusals come
        before any call where they can."""
        check_campaign(campaign_id)
        moment = self._future(send_at)
        if list_id is not None:
            list_id = self._core.resolve_list_id(list_id)
        campaign = await self.read(campaign_id)
        route(campaign)
        own = campaign.list_id
        if list_id is not None and own is not None and list_id != own:
            raise InvalidArgumentError(
                f"campaign {quote(campaign.name)} belongs to list {own}, not list {list_id}: omit list_id to use "
                "its list"
            )
        resolved = self._core.resolve_list_id(list_id if list_id is not None else own)
        return SendPlan(campaign=campaign, list_id=resolved, send_at=moment)

    async def read(self, campaign_id: str) -> Campaign:
        """The campaign as a listing showed it within the last minute, else read (one call)."""
        return self._fresh(campaign_id) or await self.get(campaign_id)

    async def routed(self, campaign_id: str) -> Campaign:
        """The campaign as far as routing needs it (id, name, channel): no call when this client has read or
        written it before (a campaign's channel never changes), else read (one call)."""
        channel = self._channels.get(check_campaign(campaign_id))
        if channel is None:
            return await self.read(campaign_id)
        name = self._core.campaign_names.known([campaign_id]).get(campaign_id, "")
        return Campaign(id=campaign_id, name=name, channel=channel)

    def forget(self) -> None:
        """Forget the campaigns read in passing (their channels and the fresh listing), as a new process would."""
        self._seen.clear()
        self._channels.clear()

    def _learn(self, campaigns: builtins.list[Campaign]) -> None:
        """Names and channels of campaigns read in passing (no call)."""
        self._core.campaign_names.learn({c.id: c.name for c in campaigns})
        self._channels.update((c.id, c.channel) for c in campaigns if c.channel)
        while len(self._channels) > _CHANNELS_KEPT:
            self._channels.pop(next(iter(self._channels)))

    def _fresh(self, campaign_id: str) -> Campaign | None:
        """The campaign as a listing showed it less than `_FRESH` seconds ago (a send is planned right after the
        listing that found it: reading it again would cost a call and say the same)."""
        seen = self._seen.get(campaign_id)
        return seen[1] if seen is not None and self._core.clock() - seen[0] < _FRESH else None

    async def send(self, plan: SendPlan, *, segment_id: str | None = None, email: str | None = None) -> None:
        """Send (or schedule, per the plan) the planned campaign to a segment of the plan's list, or to one
        contact (`email`: the address, or for an SMS campaign the cellphone): exactly one E-goi call
        (`POST /campaigns/{email|sms}/{hash}/actions/send`, by the campaign's channel), never retried."""
        if (segment_id is None) == (email is None):
            raise InvalidArgumentError("pass segment_id or email (one of them) to say who the send goes to")
        if segment_id is not None and not str(segment_id).strip():
            raise InvalidArgumentError("segment_id is empty: find it with segment_list", code="SEGMENT_NOT_FOUND")
        campaign_id = check_campaign(plan.campaign.id)
        channel = route(plan.campaign)
        moment = self._future(plan.send_at)  # a plan made earlier may have fallen into the past since
        segments: dict[str, Any] = (
            {"type": "segment", "data": [str(segment_id)]}
            if segment_id is not None
            else {"type": "contact", "data": egoi_phone(email or "") if channel == "sms" else _address(email)}
        )
        payload: dict[str, Any] = {"list_id": plan.list_id, "segments": segments}
        if channel == "sms":
            payload["destination_field"] = "cellphone"
        if moment is not None:
            payload["schedule_date"] = format_datetime(moment)
        # E-goi may have queued the send before failing: "try again" could mail everyone twice.
        target = path(f"/campaigns/{channel}/{{}}/actions/send", campaign_id)
        await self._write("POST", target, payload, _UNCONFIRMED_SEND, retry=Retry.NEVER)

    async def send_to_contact(
        self, campaign_id: str, contact_id: str, list_id: int | None = None, send_at: datetime | None = None
    ) -> str:
        """Plan, read the contact's address (E-goi's send takes the address, or for an SMS campaign the
        cellphone), then send. Returns the address (or number)."""
        check_campaign(campaign_id)
        check_contact_ids([contact_id])
        plan = await self.plan_send(campaign_id, list_id, send_at)
        contact = await self._contacts.get(contact_id, plan.list_id, tag_names=False)
        sms = route(plan.campaign) == "sms"
        to = contact.phone if sms else contact.email
        if not to:
            what = "mobile number" if sms else "e-mail address"
            raise InvalidArgumentError(
                f"contact {contact.id} has no {what} in list {plan.list_id}", code="EMAIL_ADDRESS_INVALID"
            )
        await self.send(plan, email=to)
        return to

    async def send_to_segment(
        self, campaign_id: str, segment_id: str, list_id: int | None = None, send_at: datetime | None = None
    ) -> None:
        """Plan, then send to a segment of the plan's list."""
        check_campaign(campaign_id)
        if not str(segment_id).strip():
            raise InvalidArgumentError("segment_id is empty: find it with segment_list", code="SEGMENT_NOT_FOUND")
        plan = await self.plan_send(campaign_id, list_id, send_at)
        await self.send(plan, segment_id=segment_id)

    def _future(self, send_at: datetime | None) -> datetime | None:
        """`send_at` as an aware UTC moment (naive means UTC), refused unless it lies in the future."""
        if send_at is None:
            return None
        if not isinstance(send_at, datetime):
            raise InvalidArgumentError(f"send_at must be a date-time, not {send_at!r}")
        moment = (send_at if send_at.tzinfo else send_at.replace(tzinfo=UTC)).astimezone(UTC)
        if moment.timestamp() <= self._core.clock():
            raise InvalidArgumentError(
                f"send_at {moment:%Y-%m-%d %H:%M} UTC is in the past: give a future date-time, or omit it to send now"
            )
        return moment


_CHANNELS_KEPT = 10_000  # campaigns whose channel a client keeps
MAX_HTML_BYTES = 20 * 1024 * 1024  # E-goi refuses request bodies over 20 MB


def _subject(subject: str) -> str:
    text = check_text(subject, "subject") or ""
    if not text.strip():
        raise InvalidArgumentError("subject is empty: give the line recipients see in their inbox", code="NO_SUBJECT")
    return text.strip()


def _content(html: str | None, text: str | None) -> dict[str, Any]:
    """E-goi's html content: `html` as the body (plain `text` as its text part), or `text` alone as simple HTML."""
    if not (html or "").strip() and not (text or "").strip():
        raise InvalidArgumentError("the campaign has no content: give html or text", code="NO_MESSAGE")
    if (html or "").strip():
        body = html or ""
    else:
        body = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in (text or "").strip().split("\n\n"))
    if len(body.encode()) > MAX_HTML_BYTES:
        raise InvalidArgumentError(f"the HTML is {len(body.encode()) // 1024} KB: E-goi takes at most 20 MB (and "
                                   "Gmail clips over 102 KB)", code="CONTENT_TOO_LARGE")  # fmt: skip
    content: dict[str, Any] = {"type": "html", "body": body}
    if (text or "").strip():
        content["plain_text"] = text
    return content


def _address(email: str | None) -> str:
    """The address a contact send goes to, as E-goi gave it (no stricter syntax check than E-goi's own)."""
    text = (email or "").strip()
    if not text or check_text(text, "email") is None:
        raise InvalidArgumentError("email is empty: pass the contact's address", code="EMAIL_ADDRESS_INVALID")
    return text
