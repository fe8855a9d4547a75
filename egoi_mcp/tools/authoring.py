"""Writing e-mail campaigns (part of the campaigns toolset): create a draft, change it, read it with a content
checklist, and the senders a campaign may use.

A write is neither destructive nor idempotent: it runs once and is never retried blindly (a failure says to
check the campaign list first). Only a draft can be changed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from egoi_mcp._model import Model
from egoi_mcp.client import CampaignDetail, ContentSummary, Sender
from egoi_mcp.models import Page
from egoi_mcp.runtime import runtime
from egoi_mcp.tools._base import CampaignId, Cursor, Length, Limit, ListId, tool

Subject = Annotated[str, Length(255, 1)]
SenderRef = Annotated[str, Length(254, 1), Field(description="address or id (egoi_list_senders)")]
Html = Annotated[str | None, Length(1_000_000)]
Text = Annotated[str | None, Length(200_000)]
Name = Annotated[str | None, Length(255)]


class SavedCampaign(Model):
    # What a write says back: the id, its status and the content checklist (the rest is what the caller gave).
    id: str
    status: str | None = None
    content: ContentSummary | None = None


def _saved(detail: CampaignDetail) -> SavedCampaign:
    return SavedCampaign(id=detail.id, status=detail.status, content=detail.content)


@tool("Create e-mail campaign")
async def egoi_create_email_campaign(
    list_id: ListId,
    subject: Subject,
    sender: SenderRef,
    ctx: Context,
    html: Html = None,
    text: Text = None,
    name: Name = None,
    reply_to: Annotated[str | None, Length(254)] = None,
) -> SavedCampaign:
    """Create a draft e-mail campaign from html and/or text; name defaults to subject."""
    return _saved(
        await runtime(ctx).client.campaigns.create_email(
            list_id, subject, sender, html=html, text=text, name=name, reply_to=reply_to
        )
    )


@tool("Update e-mail campaign")
async def egoi_update_email_campaign(
    campaign_id: CampaignId,
    ctx: Context,
    subject: Annotated[str | None, Length(255, 1)] = None,
    sender: Annotated[str | None, Length(254, 1)] = None,
    html: Html = None,
    text: Text = None,
    name: Name = None,
) -> SavedCampaign:
    """Change a draft campaign: only what is given."""
    return _saved(
        await runtime(ctx).client.campaigns.update_email(
            campaign_id, subject=subject, sender=sender, html=html, text=text, name=name
        )
    )


@tool("Get campaign", read_only=True, idempotent=True)
async def egoi_get_campaign(campaign_id: CampaignId, ctx: Context, include_html: bool = False) -> CampaignDetail:
    """One campaign with a content checklist: size (Gmail clips over 102 KB), links, unsubscribe link, images
    without alt. content is null when not written through this server."""
    return await runtime(ctx).client.campaigns.detail(campaign_id, include_html=include_html)


@tool("List senders", read_only=True, idempotent=True)
async def egoi_list_senders(
    ctx: Context, channel: Literal["email", "sms"] | None = None, limit: Limit = 25, cursor: Cursor = None
) -> Page[Sender]:
    """The account's e-mail or SMS senders; status active = validated (usable), moderation = pending."""
    senders = runtime(ctx).client.senders
    return await (senders.cellphone if channel == "sms" else senders.email)(limit=limit, cursor=cursor)


TOOLS = (egoi_create_email_campaign, egoi_update_email_campaign, egoi_get_campaign, egoi_list_senders)
