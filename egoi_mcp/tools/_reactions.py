"""Who reacted to a campaign: the contacts named by the webhook events received for it (opened, clicked, bounced,
unsubscribed), newest first and paged, for `egoi_get_campaign_report(..., who=...)`.

E-goi's report gives totals only; the names come from the event store (its `campaign_id` filter). A contact is
named once per page (its newest event there); the cursor goes on from the last event read. When no webhook sends
the campaign's list's events here, the note says the numbers are E-goi's totals and how to get names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from egoi_mcp._model import Model
from egoi_mcp.errors import EGoiError
from egoi_mcp.models import CampaignReport, Event
from egoi_mcp.runtime import Runtime
from egoi_mcp.store.base import MAX_PAGE, encode_cursor
from egoi_mcp.tools.events import why_empty

WHO = {
    "opened": ("email_opened",),
    "clicked": ("email_clicked",),
    "bounced": ("email_hard_bounced", "email_soft_bounced"),
    "unsubscribed": ("new_unsubscriber",),
}
_SCANNED = 5  # store pages of MAX_PAGE events one call reads at most, looking for distinct contacts


# Who reacted how: the values say it in the schema itself.
Who = Literal["opened", "clicked", "bounced", "unsubscribed"] | None


class Reactor(Model):
    contact_id: str | None = None
    email: str | None = None
    trigger: str
    at: datetime  # when the event happened (when it was received, if E-goi did not say)


class Reactions(Model):
    who: str
    contacts: list[Reactor] = Field(default_factory=list)
    next_cursor: str | None = None
    note: str | None = None


class ReportWithReactions(CampaignReport):
    reacted: Reactions | None = None  # with who=: the contacts, from the webhook events received


async def reactions(rt: Runtime, campaign_id: str, who: str, limit: int, cursor: str | None) -> Reactions:
    """Up to `limit` distinct contacts whose events of `who` name `campaign_id`, newest first."""
    triggers = WHO[who]
    seen: dict[str, Reactor] = {}
    last: Event | None = None
    more = False
    for _ in range(_SCANNED):
        page = await rt.store.page(
            trigger=triggers[0] if len(triggers) == 1 else None, campaign_id=campaign_id, limit=MAX_PAGE,
            cursor=cursor,
        )  # fmt: skip
        more = page.next_cursor is not None
        for index, event in enumerate(page.items):
            last = event
            key = event.contact_id or (event.email or "").casefold()
            if event.trigger in triggers and key and key not in seen:
                seen[key] = Reactor(contact_id=event.contact_id, email=event.email, trigger=event.trigger,
                                    at=event.occurred_at or event.received_at)  # fmt: skip
            if len(seen) >= limit:
                more = more or index + 1 < len(page.items)
                break
        if len(seen) >= limit or page.next_cursor is None:
            break
        cursor = page.next_cursor
    result = Reactions(who=who, contacts=list(seen.values()))
    if more and last is not None:
        result.next_cursor = encode_cursor(int(last.id))
    if not result.contacts and result.next_cursor is None:
        result.note = await _why_none(rt, campaign_id, who)
    return result


async def _why_none(rt: Runtime, campaign_id: str, who: str) -> str | None:
    """Why no contact is named: no webhook for the campaign's list (what to do), else none did it yet."""
    try:
        list_id = (await rt.client.campaigns.get(campaign_id)).list_id
    except EGoiError:
        list_id = None
    missing = await why_empty(rt, list_id)
    if missing is None:
        return f"no {who} event of this campaign was received yet"
    why = missing.removeprefix("no events: ")
    return f"the numbers are E-goi's totals: contacts are named from webhook events, and {why}"
