"""Campaigns toolset: list e-mail campaigns and send them to one contact or a segment.

Sends are never retried and never idempotent: a send runs once, after a preview and confirmation.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, Resolve
from pydantic import Field

from egoi_mcp.models import Campaign, Page
from egoi_mcp.runtime import Runtime
from egoi_mcp.tools._base import (
    ActionResult,
    Confirm,
    ContactId,
    Cursor,
    Decision,
    Limit,
    ListId,
    confirmed,
    gate,
    runtime,
    tool,
)

CampaignId = Annotated[
    str, Field(pattern=r"^[a-zA-Z0-9_-]+$", max_length=64, description="campaign id (hash) from egoi_list_campaigns")
]
SegmentId = Annotated[str, Field(min_length=1, max_length=64, description="segment id from egoi_list_segments")]


@tool("campaigns", "List campaigns", read_only=True, idempotent=True)
async def egoi_list_campaigns(
    ctx: Context,
    list_id: Annotated[int | None, Field(ge=1, description="only this list's campaigns")] = None,
    status: Literal["draft", "canceled", "queued", "paused", "sending", "sent"] | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Campaign]:
    """E-mail campaigns, newest first. Their id is what the send tools take."""
    return await runtime(ctx).client.campaign_list(list_id=list_id, status=status, limit=limit, cursor=cursor)


async def _contact_summary(rt: Runtime, campaign_id: str, contact_id: str, list_id: int | None) -> str:
    campaign = await rt.client.get_campaign(campaign_id)
    contact = await rt.client.get_contact(contact_id, list_id)
    return f"send campaign '{campaign.name}' (subject '{campaign.subject or ''}') to {contact.email}"


async def _confirm_contact(ctx: Context, campaign_id: str, contact_id: str, list_id: int | None, confirm: bool):
    return await gate(ctx, confirm, lambda: _contact_summary(runtime(ctx), campaign_id, contact_id, list_id))


@tool("campaigns", "Send campaign to contact", destructive=True)
async def egoi_send_email_to_contact(
    campaign_id: CampaignId,
    contact_id: ContactId,
    ctx: Context,
    decision: Annotated[Decision, Resolve(_confirm_contact)],
    list_id: ListId = None,
    confirm: Confirm = False,
) -> ActionResult:
    """Send an e-mail campaign to one contact. Without confirm=true it only previews. Never retried."""
    rt = runtime(ctx)

    async def act() -> str:
        email = await rt.client.send_email_to_contact(campaign_id, contact_id, list_id)
        return f"sent campaign {campaign_id} to {email}"

    return await confirmed(
        decision, confirm=confirm, summary=lambda: _contact_summary(rt, campaign_id, contact_id, list_id), act=act,
        arguments={"campaign_id": campaign_id, "contact_id": contact_id, "list_id": list_id},
    )  # fmt: skip


async def _segment_summary(rt: Runtime, campaign_id: str, segment_id: str, list_id: int | None) -> str:
    campaign = await rt.client.get_campaign(campaign_id)
    segment = await rt.client.get_segment(segment_id, list_id)
    count = await rt.client.count_contacts(list_id, segment_id=segment_id)
    return f"send campaign '{campaign.name}' to segment '{segment.name}', reaching {count} contact(s)"


async def _confirm_segment(ctx: Context, campaign_id: str, segment_id: str, list_id: int | None, confirm: bool):
    return await gate(ctx, confirm, lambda: _segment_summary(runtime(ctx), campaign_id, segment_id, list_id))


@tool("campaigns", "Send campaign to segment", destructive=True)
async def egoi_send_email_to_segment(
    campaign_id: CampaignId,
    segment_id: SegmentId,
    ctx: Context,
    decision: Annotated[Decision, Resolve(_confirm_segment)],
    list_id: ListId = None,
    confirm: Confirm = False,
) -> ActionResult:
    """Send an e-mail campaign to a segment of a list. Without confirm=true it previews how many contacts it
    reaches. Never retried."""
    rt = runtime(ctx)

    async def act() -> str:
        await rt.client.send_email_to_segment(campaign_id, segment_id, list_id)
        return f"sent campaign {campaign_id} to segment {segment_id}"

    return await confirmed(
        decision, confirm=confirm, summary=lambda: _segment_summary(rt, campaign_id, segment_id, list_id), act=act,
        arguments={"campaign_id": campaign_id, "segment_id": segment_id, "list_id": list_id},
    )  # fmt: skip
