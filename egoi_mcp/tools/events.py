"""Events toolset: the stored webhook events, for clients that do not read resources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from egoi_mcp.models import Event, Page
from egoi_mcp.runtime import runtime
from egoi_mcp.tools._base import Cursor, Limit, ListFilter, Toolset, tool
from egoi_mcp.webhooks.triggers import EventTriggerName


@tool("List events", read_only=True, idempotent=True, open_world=False)
async def egoi_list_events(
    ctx: Context,
    trigger: EventTriggerName | None = None,
    list_id: ListFilter = None,
    contact_id: str | None = None,
    email: str | None = None,
    since: Annotated[datetime | None, Field(description="received at or after")] = None,
    after: Annotated[str | None, Field(description="event id: only newer (polling)")] = None,
    include_payload: Annotated[bool, Field(description="with raw payloads")] = False,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Event]:
    """E-goi's webhook events (subscribes, opens, clicks, bounces...), newest first; egoi://event/{id} has one
    in full."""
    page = await runtime(ctx).store.page(
        trigger=trigger, list_id=list_id, contact_id=contact_id, email=email, since=since, after=after, limit=limit,
        cursor=cursor,
    )  # fmt: skip
    if not include_payload:
        page.items = [event.model_copy(update={"payload": None}) for event in page.items]
    return page


TOOLSET = Toolset(
    "events",
    (egoi_list_events,),
    about="egoi_list_events lists E-goi's webhook events (new subscribers, unsubscribes, opens, clicks, bounces, "
    "sends).",
)
