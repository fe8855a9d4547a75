"""Events toolset: the stored webhook events, for clients that do not read resources.

Each event names its campaign beside the hash (from the client's cached campaign listing). An empty first page
says why when no E-goi webhook points at this server, and which registered tool would add one.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any, Final

from mcp.server.mcpserver import Context
from pydantic import AfterValidator

from egoi_mcp._dates import parse_datetime
from egoi_mcp._model import Model, list_of
from egoi_mcp.errors import EGoiError, InvalidArgumentError
from egoi_mcp.models import Event, EventSummary
from egoi_mcp.redact import redact
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.store.base import checked_moment
from egoi_mcp.tools._base import Cursor, Limit, ListFilter, Toolset, tool
from egoi_mcp.webhooks.address import receiver_path
from egoi_mcp.webhooks.triggers import OTHER, TRIGGERS

_SECOND: Final = timedelta(seconds=1)


def _trigger(value: str | None) -> str | None:
    if value is not None and value not in (*TRIGGERS, OTHER):
        raise ValueError(f"expected one of {', '.join((*TRIGGERS, OTHER))}")
    return value


# The names are in the server instructions, not the schema (read on every turn); a wrong one is told them all.
EventTrigger = Annotated[str | None, AfterValidator(_trigger)]


class EventPage(Model):
    items: list[EventSummary]
    total: int | None = None
    next_cursor: str | None = None
    note: str | None = None


@tool("List events", read_only=True, idempotent=True)
async def egoi_list_events(
    ctx: Context,
    trigger: EventTrigger = None,
    list_id: ListFilter = None,
    contact: str | None = None,
    campaign_id: str | None = None,
    after: str | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> EventPage:
    """Webhook events received, newest first (total only up to 300)."""
    email = contact if contact is not None and "@" in contact else None
    contact_id = contact if contact is not None and email is None else None
    since = _moment(after)
    after = None if since is not None else after
    rt = runtime(ctx)
    page = await rt.store.page(
        trigger=trigger, list_id=list_id, contact_id=contact_id, email=email, campaign_id=campaign_id, since=since,
        after=after, limit=limit, cursor=cursor,
    )  # fmt: skip
    events = list_of(EventSummary).validate_python([_summary(event) for event in page.items])
    await name_campaigns(rt, events)
    listed = EventPage(items=events, total=page.total, next_cursor=page.next_cursor, note=page.note)
    if not events and cursor is None and after is None:
        listed.note = await why_empty(rt, list_id)
    return listed


@functools.cache
def _listed() -> tuple[str, ...]:
    return tuple(EventSummary.model_fields)


def _summary(event: Event) -> dict[str, Any]:
    """An event's fields as listed: `received_at` to the second, and only when it is not the second the event
    occurred (most deliveries arrive then: a sixth of a page's tokens); egoi://event/{id} keeps both whole. The
    values are the stored event's, already valid, and are validated again a page at once."""
    listed = {name: getattr(event, name) for name in _listed()}
    occurred, received = event.occurred_at, event.received_at
    # a difference of two dates, never a date moved: no instant E-goi may name (up to 9999-12-31) can overflow it
    same_second = occurred is not None and not occurred.microsecond and timedelta(0) <= received - occurred < _SECOND
    listed["received_at"] = None if same_second else received.replace(microsecond=0)
    return listed


def _moment(after: str | None) -> datetime | None:
    """`after` as a date-time, when it is one rather than an event id."""
    if after is None or after.strip().isdigit():
        return None
    moment = parse_datetime(after)
    if moment is None:
        raise InvalidArgumentError(
            f"after must be an event id (digits) or an ISO date-time within the years 1970 to 9999 (UTC), not "
            f"{after[:40]!r}"
        )
    return checked_moment("after", moment)


async def name_campaigns(rt: Runtime, events: Sequence[EventSummary]) -> None:
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
    path = redact(receiver_path(rt.webhook_secret, rt.account))  # the client scrubs the secret from what E-goi answers
    ours = [h for h in hooks if path in h.url and (list_id is None or h.list_id == list_id)]
    if ours:
        return None
    which = f"list {list_id}" if list_id is not None else "any list"
    text = f"no events: no E-goi webhook sends {which}'s events to this server yet"
    if not rt.settings.read_only and (rt.settings.toolsets is None or "webhooks" in rt.settings.toolsets):
        return f"{text}; egoi_register_webhook(list_id) registers one, then new events arrive here"
    return f"{text}; an operator can register one (egoi-mcp's webhooks toolset, not enabled here)"


TOOLSET = Toolset(
    "events",
    (egoi_list_events,),
    about="egoi_list_events lists E-goi's webhook events as received; trigger is one of "
    f"{', '.join((*TRIGGERS, OTHER))}; contact is a contact_id or an e-mail; campaign_id a campaign hash; after "
    "is an event id (only newer: polling) or a date-time (received since). An event shows received_at only when "
    "it is not the second of occurred_at.",
)
