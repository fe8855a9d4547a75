"""Events toolset: the stored webhook events, for clients that do not read resources.

Each event names its campaign beside the hash (from the client's cached campaign listing). An empty first page
says why when no E-goi webhook points at this server, and which registered tool would add one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from egoi_mcp.errors import EGoiError
from egoi_mcp.models import Event, Page
from egoi_mcp.redact import redact
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.tools._base import Cursor, Limit, ListFilter, Toolset, tool

EventTrigger = Literal[
    "new_subscriber", "new_unsubscriber", "email_opened", "email_clicked", "email_hard_bounced",
    "email_soft_bounced", "email_sent", "other",
]  # fmt: skip


@tool("List events", read_only=True, idempotent=True)
async def egoi_list_events(
    ctx: Context,
    trigger: EventTrigger | None = None,
    list_id: ListFilter = None,
    contact_id: str | None = None,
    email: str | None = None,
    since: datetime | None = None,
    after: Annotated[str | None, Field(description="event id: only newer")] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Event]:
    """Webhook events received (opens, clicks, bounces...), newest first; egoi://event/{id} has the payload."""
    rt = runtime(ctx)
    page = await rt.store.list(
        trigger=trigger, list_id=list_id, contact_id=contact_id, email=email, since=since, after=after, limit=limit,
        cursor=cursor,
    )  # fmt: skip
    page.items = [event.model_copy(update={"payload": None}) for event in page.items]
    await name_campaigns(rt, page.items)
    if not page.items and cursor is None and after is None:
        page.note = await why_empty(rt, list_id)
    return page


async def name_campaigns(rt: Runtime, events: list[Event]) -> None:
    """Fill each event's `campaign_name` from the cached campaign listing (one listing when cold, else none)."""
    hashes = sorted({e.campaign_id for e in events if e.campaign_id})
    if not hashes:
        return
    try:
        names = await rt.client.campaign_names(hashes)
    except EGoiError:
        return  # names are a courtesy: the events stand without them
    for event in events:
        event.campaign_name = names.get(event.campaign_id or "") or event.campaign_name


async def why_empty(rt: Runtime, list_id: int | None = None) -> str | None:
    """When no webhook sends this server events (of `list_id`): what to do about it, naming only registered tools."""
    try:
        hooks = (await rt.client.list_webhooks(limit=100)).items
    except EGoiError:
        return None
    path = redact(rt.receiver_path)  # the client scrubs the secret from what E-goi answers
    ours = [h for h in hooks if path in h.url and (list_id is None or h.list_id == list_id)]
    if ours:
        return None
    which = f"list {list_id}" if list_id is not None else "any list"
    text = f"no events: no E-goi webhook sends {which}'s events to this server yet"
    if not rt.settings.read_only and "webhooks" in rt.settings.toolsets:
        return f"{text}; egoi_register_webhook(list_id) registers one, then new events arrive here"
    return f"{text}; an operator can register one (egoi-mcp's webhooks toolset, not enabled here)"


TOOLSET = Toolset(
    "events",
    (egoi_list_events,),
    about="egoi_list_events lists E-goi's webhook events (new subscribers, unsubscribes, opens, clicks, bounces, "
    "sends).",
)
