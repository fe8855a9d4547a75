"""Campaigns toolset: list e-mail campaigns and send them to one contact or a segment.

Sends are never retried and never idempotent: a send runs once, after a preview and confirmation.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, Resolve
from pydantic import Field

from egoi_mcp.models import Campaign, Page
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.tools._base import (
    Confirm,
    ConfirmToken,
    ContactId,
    Cursor,
    Length,
    Limit,
    ListFilter,
    ListId,
    Toolset,
    tool,
)
from egoi_mcp.tools._confirm import ActionResult, Decision, confirmation, confirmed

CampaignId = Annotated[str, Length(64), Field(pattern=r"^[a-zA-Z0-9_-]+$", description="from egoi_list_campaigns")]
SegmentId = Annotated[str, Length(64, 1), Field(description="from egoi_list_segments")]


@tool("List campaigns", read_only=True, idempotent=True)
async def egoi_list_campaigns(
    ctx: Context,
    list_id: ListFilter = None,
    status: Literal["draft", "canceled", "queued", "paused", "sending", "sent"] | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Campaign]:
    """E-mail campaigns, newest first. egoi_send_email_to_contact and egoi_send_email_to_segment take the id."""
    return await runtime(ctx).client.campaign_list(list_id=list_id, status=status, limit=limit, cursor=cursor)


async def _contact_summary(rt: Runtime, campaign_id: str, contact_id: str, list_id: int | None) -> str:
    campaign = await rt.client.get_campaign(campaign_id)
    contact = await rt.client.get_contact(contact_id, list_id)
    return f"send campaign '{campaign.name}' (subject '{campaign.subject or ''}') to {contact.email}"


@tool("Send campaign to contact", destructive=True)
async def egoi_send_email_to_contact(
    campaign_id: CampaignId,
    contact_id: ContactId,
    ctx: Context,
    decision: Annotated[Decision, Resolve(confirmation(_contact_summary))],
    list_id: ListId = None,
    confirm: Confirm = False,
    confirm_token: ConfirmToken = None,
) -> ActionResult:
    """Send an e-mail campaign to one contact. Previews unless confirm=true. Never retried."""
    rt = runtime(ctx)

    async def act() -> str:
        email = await rt.client.send_email_to_contact(campaign_id, contact_id, list_id)
        return f"sent campaign {campaign_id} to {email}"

    return await confirmed(decision, act=act)


async def _segment_summary(rt: Runtime, campaign_id: str, segment_id: str, list_id: int | None) -> str:
    campaign = await rt.client.get_campaign(campaign_id)
    segment = await rt.client.get_segment(segment_id, list_id)
    count = await rt.client.count_contacts(list_id, segment_id=segment_id)
    return f"send campaign '{campaign.name}' to segment '{segment.name}', reaching {count} contact(s)"


@tool("Send campaign to segment", destructive=True)
async def egoi_send_email_to_segment(
    campaign_id: CampaignId,
    segment_id: SegmentId,
    ctx: Context,
    decision: Annotated[Decision, Resolve(confirmation(_segment_summary))],
    list_id: ListId = None,
    confirm: Confirm = False,
    confirm_token: ConfirmToken = None,
) -> ActionResult:
    """Send an e-mail campaign to a segment of a list. Without confirm=true it previews how many contacts it
    reaches. Never retried."""
    rt = runtime(ctx)

    async def act() -> str:
        await rt.client.send_email_to_segment(campaign_id, segment_id, list_id)
        return f"sent campaign {campaign_id} to segment {segment_id}"

    return await confirmed(decision, act=act)


TOOLSET = Toolset(
    "campaigns",
    (egoi_list_campaigns, egoi_send_email_to_contact, egoi_send_email_to_segment),
    about="Campaign ids are hashes from egoi_list_campaigns.",
)
