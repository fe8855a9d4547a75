"""Events toolset: the stored webhook events, for clients that do not read resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from egoi_mcp.models import Event, Page
from egoi_mcp.tools._base import Cursor, Limit, runtime, tool
from egoi_mcp.webhooks.triggers import EventTriggerName


@tool("events", "List events", read_only=True, idempotent=True, open_world=False)
async def egoi_list_events(
    ctx: Context,
    trigger: EventTriggerName | None = None,
    list_id: Annotated[int | None, Field(ge=1)] = None,
    contact_id: str | None = None,
    email: str | None = None,
    since: Annotated[datetime | None, Field(description="only events received at or after this time")] = None,
    after: Annotated[str | None, Field(description="an event id: only newer events (for polling)")] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Event]:
    """Webhook events from E-goi (subscribes, unsubscribes, opens, clicks, bounces, sends), newest first."""
    return await runtime(ctx).store.page(
        trigger=trigger, list_id=list_id, contact_id=contact_id, email=email, since=since, after=after, limit=limit,
        cursor=cursor,
    )  # fmt: skip
