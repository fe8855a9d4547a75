"""Campaigns toolset: list campaigns, read how one did, send it (now or at a time) and stop a pending send. E-mail
and SMS campaigns alike: the client routes each by its channel, and an SMS send's preview adds the recipients
with a mobile number, the message parts and the credits against the balance (`sms.sms_cost`).

Sends are never retried and never idempotent: a send runs once, after a preview and confirmation. A preview
works out the list the send will use (the campaign's own unless `list_id`), refuses what E-goi would refuse,
and warns about what a person would want to know first.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import AfterValidator, Field

from egoi_mcp._dates import parse_datetime
from egoi_mcp.client import SendPlan, route
from egoi_mcp.errors import InvalidArgumentError, NotFoundError
from egoi_mcp.models import Campaign, Operation, Page
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.tools import authoring
from egoi_mcp.tools._base import (
    CampaignId,
    ContactId,
    Cursor,
    Limit,
    ListFilter,
    ListId,
    SegmentId,
    Toolset,
    tool,
)
from egoi_mcp.tools._confirm import NothingToDo, Plan
from egoi_mcp.tools._reactions import ReportWithReactions, Who, reactions
from egoi_mcp.tools.sms import sms_cost
from egoi_mcp.untrusted import quote


def _date_time(value: str | None) -> str | None:
    if value is not None and parse_datetime(value) is None:
        raise ValueError("expected an ISO date-time such as 2026-12-01T18:00:00+00:00")
    return value


SendAt = Annotated[str | None, AfterValidator(_date_time), Field(description="ISO date-time to schedule; omit: now")]


@tool("List campaigns", read_only=True, idempotent=True)
async def egoi_list_campaigns(
    ctx: Context,
    list_id: ListFilter = None,
    status: Literal["draft", "canceled", "queued", "paused", "sending", "sent"] | None = None,
    channel: Literal["email", "sms"] | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Campaign]:
    """E-mail (or SMS) campaigns, newest first."""
    return await runtime(ctx).client.campaign_list(
        list_id=list_id, status=status, channel=channel or "email", limit=limit, cursor=cursor
    )


@tool("Campaign report", read_only=True, idempotent=True)
async def egoi_get_campaign_report(
    campaign_id: CampaignId, ctx: Context, who: Who = None, limit: Limit = 25, cursor: Cursor = None
) -> ReportWithReactions:
    """How a sent campaign did."""
    rt = runtime(ctx)
    report = ReportWithReactions.model_construct(**dict(await rt.client.reports.campaign(campaign_id)))
    if who is not None:
        report.reacted = await reactions(rt, campaign_id, who, limit, cursor)
    return report


async def _send_plan(rt: Runtime, campaign_id: str, list_id: int | None, send_at: str | None) -> tuple[SendPlan, str]:
    """The send worked out once (the client's one place for a send's list and time), and the words for when and
    any warning. The act sends this very plan: the list the preview showed is the list the send uses."""
    plan = await rt.client.campaigns.plan_send(campaign_id, list_id, parse_datetime(send_at))
    when = f" at {plan.send_at:%Y-%m-%d %H:%M} UTC" if plan.send_at else ""
    sent = plan.campaign.status == "sent"
    return plan, when + (" (warning: this campaign was already sent: recipients get it again)" if sent else "")


async def _contact_summary(
    rt: Runtime, campaign_id: str, contact_id: str, list_id: int | None, send_at: str | None
) -> Plan:
    send, when = await _send_plan(rt, campaign_id, list_id, send_at)
    try:
        contact = await rt.client.get_contact(contact_id, send.list_id)
    except NotFoundError:
        raise NotFoundError(
            f"contact {contact_id} is not in list {send.list_id}, the campaign's list: nothing was sent; find the "
            f"contact there with egoi_search_contacts(list_id={send.list_id})",
            code="SUBSCRIBER_NOT_FOUND",
        ) from None
    sms = route(send.campaign) == "sms"
    to = contact.phone if sms else contact.email
    if not to:
        what = "mobile number" if sms else "e-mail address"
        raise InvalidArgumentError(
            f"contact {contact_id} has no {what} in list {send.list_id}", code="EMAIL_ADDRESS_INVALID"
        )
    status = (
        ""
        if contact.status in (None, "active")
        else f" (warning: the contact is {contact.status}: E-goi will not {'text' if sms else 'mail'} them)"
    )
    campaign = send.campaign
    about = (
        f"SMS campaign {quote(campaign.name)}"
        if sms
        else f"campaign {quote(campaign.name)} (subject {quote(campaign.subject or '')})"
    )
    cost = await sms_cost(rt, send, 1) if sms else ""
    what = f"{about} to {quote(to)}{when}"
    facts = {"send": send.model_dump(mode="json"), "email": to, "recipients": 1, "what": what}
    return Plan(f"{'schedule' if send_at else 'send'} {what}{cost}{status}", facts)


@tool("Send campaign to contact", confirm=_contact_summary)
async def egoi_send_email_to_contact(
    campaign_id: CampaignId,
    contact_id: ContactId,
    ctx: Context,
    plan: Plan,
    list_id: ListId = None,
    send_at: SendAt = None,
) -> str:
    """Send an e-mail or SMS campaign to one contact of its list, now or at send_at. Previews unless confirm=true."""
    send = SendPlan.model_validate(plan.facts["send"])
    await runtime(ctx).client.campaigns.send(send, email=plan.facts["email"])
    return f"{'scheduled' if send_at else 'sent'} {plan.facts['what']}"


async def _segment_summary(
    rt: Runtime, campaign_id: str, segment_id: str, list_id: int | None, send_at: str | None
) -> Plan:
    send, when = await _send_plan(rt, campaign_id, list_id, send_at)
    try:
        segment = await rt.client.get_segment(segment_id, send.list_id)
    except NotFoundError:
        raise NotFoundError(
            f"segment {quote(segment_id)} is not in list {send.list_id}, the campaign's list: nothing was sent; pick "
            f"one from egoi_list_segments(list_id={send.list_id})",
            code="SEGMENT_NOT_FOUND",
        ) from None
    if route(send.campaign) == "sms":
        reached = await rt.client.contacts.reached_by_sms(send.list_id, segment_id, reserve=1)
        count, more = len(reached), "" if reached.complete else " or more (the segment is longer than one call reads)"
        reach = f"{count}{more} contact(s) with a mobile number"
        cost = await sms_cost(rt, send, count)
    else:
        count, cost = await rt.client.count_contacts(send.list_id, segment_id=segment_id), ""
        reach = f"{count} contact(s)"
    what = f"campaign {quote(send.campaign.name)} to segment {quote(segment.name)}, reaching {reach}{when}"
    facts = {"send": send.model_dump(mode="json"), "recipients": count, "what": what}
    return Plan(f"{'schedule' if send_at else 'send'} {what}{cost}", facts)


@tool("Send campaign to segment", confirm=_segment_summary)
async def egoi_send_email_to_segment(
    campaign_id: CampaignId,
    segment_id: SegmentId,
    ctx: Context,
    plan: Plan,
    list_id: ListId = None,
    send_at: SendAt = None,
) -> str:
    """Send an e-mail or SMS campaign to a segment of its list now or at send_at; previews reach unless
    confirm=true."""
    send = SendPlan.model_validate(plan.facts["send"])
    await runtime(ctx).client.campaigns.send(send, segment_id=segment_id)
    return f"{'scheduled' if send_at else 'sent'} {plan.facts['what']}"


async def _cancel_summary(rt: Runtime, campaign_id: str) -> Plan:
    try:
        campaign = await rt.client.campaigns.routed(campaign_id)
    except NotFoundError:
        raise NotFoundError(
            f"no campaign {campaign_id!r}: egoi_list_campaigns shows the ids", code="CAMPAIGN_NOT_FOUND", status=404
        ) from None
    name = campaign.name
    pending = await rt.client.operations.pending(campaign_id, channel=route(campaign), reserve=1)
    if not pending:
        more = "" if pending.complete else " among the queue's first pages (it is longer than one call may read)"
        raise NothingToDo(f"campaign {quote(name)} has no queued or scheduled send{more}: there is nothing to cancel")
    times = ", ".join(f"{op.status or 'queued'}" + (f" for {op.start_date:%Y-%m-%d %H:%M} UTC" if op.start_date else "")
                      for op in pending)  # fmt: skip
    what = f"{len(pending)}{'' if pending.complete else '+'} pending send(s) of campaign {quote(name)} ({times})"
    facts = {"name": name, "operations": [op.model_dump(mode="json") for op in pending]}
    return Plan(f"cancel {what}; it cannot be undone", facts)


@tool("Cancel send", confirm=_cancel_summary)
async def egoi_cancel_send(campaign_id: CampaignId, ctx: Context, plan: Plan) -> str:
    """Stop a campaign's queued or scheduled send. Previews unless confirm=true."""
    operations = [Operation.model_validate(op) for op in plan.facts["operations"]]
    cancelled = await runtime(ctx).client.operations.cancel(operations)
    return f"cancelled {len(cancelled)} send(s) of campaign {quote(plan.facts['name'])}"


TOOLSET = Toolset(
    "campaigns",
    (egoi_list_campaigns, egoi_get_campaign_report, *authoring.TOOLS, egoi_send_email_to_contact,
     egoi_send_email_to_segment, egoi_cancel_send),
    about="Campaign ids are hashes from egoi_list_campaigns. A send goes to the campaign's own list unless "
    "list_id; send_at schedules it, and egoi_cancel_send stops it while it waits. The report's who names those "
    "contacts from the webhook events received.",
)  # fmt: skip
