"""MCP prompts for recurring jobs, and the server's one `completion/complete` handler.

Prompts: `campaign_review(campaign_id)`, `list_health(list_id)`, `segment_send_checklist(campaign_id,
segment_id)`. Each tells the model which tools to call and what to conclude; a sentence naming a tool this
server does not register (read-only, `--toolsets`) is left out. An argument can be anything a completion offered
(ids from E-goi) or a client typed: the texts carry it only through `untrusted.quote`.

Completions: `list_id`, `campaign_id`, `segment_id` and `tag` of the prompts, from listings cached for a minute
(the campaign names come from the client's own cache); the one completion handler (`resources/events.py`) calls
the completer `register_prompts` returns.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Final, Protocol

import mcp.types as types
from mcp.server import MCPServer

from egoi_mcp.errors import EGoiError
from egoi_mcp.resources.events import EventSource, PromptCompleter
from egoi_mcp.tools import only_registered
from egoi_mcp.untrusted import quote

if TYPE_CHECKING:
    from egoi_mcp.client import EGoiClient

__all__ = ["PROMPTS", "register_prompts"]

PROMPTS: Final = ("campaign_review", "list_health", "segment_send_checklist")
_TTL: Final = 60.0


class PromptSource(EventSource, Protocol):
    """What prompts and completions read: the running server's client and store (`Runtime` is one)."""

    @property
    def client(self) -> EGoiClient: ...


def _campaign_review(campaign_id: str) -> str:
    c = quote(campaign_id)
    return (
        f"Review E-goi campaign {c}. "
        f"Call egoi_get_campaign_report(campaign_id={c}) for its numbers. "
        f"Call egoi_list_events(campaign_id={c}, limit=50) for what happened since it was sent (opens, clicks, "
        "bounces and unsubscribes by contact, as the webhook received them). "
        "If the report says the campaign has not been sent, say so and stop. "
        "Otherwise conclude, in a few bullet points: what worked (an open rate above about 20% and a click rate "
        "above about 2% are good for e-mail), which links people clicked most, and what to fix: a bounce rate above "
        "2% (clean the list), unsubscribes or complaints above 0.5% (frequency or relevance), opens that came late "
        "(the send time). Quote the numbers you base each point on."
    )


def _list_health(list_id: str) -> str:
    n = _number(list_id)
    return (
        f"Assess the health of E-goi list {n}. "
        f"Call egoi_list_lists(counts=true) and read list {n}'s subscribers (total, active, unsubscribed, inactive, "
        "unconfirmed, as E-goi counts them) for its size and the share of each status. "
        f"Call egoi_list_events(list_id={n}, limit=100) for recent subscribes, unsubscribes and bounces. "
        f"Call egoi_list_campaigns(list_id={n}, status='sent', limit=3) and "
        "egoi_get_campaign_report for each of them. "
        "Conclude: growth (new subscribers against unsubscribes), the bounce rate of the recent campaigns, the "
        "unsubscribe rate, and the inactive share of the list; flag anything above 2% bounces, 0.5% unsubscribes "
        "per campaign or 20% inactive, and say what to do about it."
    )


def _segment_send_checklist(campaign_id: str, segment_id: str) -> str:
    c, s = quote(campaign_id), quote(segment_id)
    return (
        f"Check, step by step, whether campaign {c} is ready to go to segment {s}. "
        f"Call egoi_list_campaigns and find campaign {c}: its list, subject and status. "
        f"Call egoi_get_campaign_report(campaign_id={c}): if it was already sent, warn that recipients "
        "would get it again. "
        f"Call egoi_list_contacts(segment_id={s}, list_id=<the campaign's list>, limit=10) to see who is "
        "in the segment and how many. "
        f"Call egoi_send_email_to_segment(campaign_id={c}, segment_id={s}) without confirm: "
        "it previews the reach and refuses a segment of another list, changing nothing. "
        "Show the user the checklist (list, subject, status, reach, warnings) and send only if they agree, with "
        "the preview's call_again_with."
    )


def _number(value: str) -> str:
    """An id that should be a number: as it is when it is one, else quoted like any other value from outside."""
    return value if value.isascii() and value.isdigit() and len(value) <= 12 else quote(value)


def register_prompts(mcp: MCPServer, current: Callable[[], PromptSource], tool_names: Iterable[str]) -> PromptCompleter:
    """Add the prompts to `mcp` (naming only the tools in `tool_names`); returns what completes their arguments,
    for the one completion handler (`register_event_resources(..., complete_prompts=...)`)."""
    names = set(tool_names)

    @mcp.prompt(
        name="campaign_review", title="Review a campaign", description="How a sent campaign did and what to fix"
    )
    def campaign_review(campaign_id: str) -> str:
        return only_registered(_campaign_review(campaign_id), names)

    @mcp.prompt(name="list_health", title="List health", description="Growth, bounces, unsubscribes, inactive share")
    def list_health(list_id: str) -> str:
        return only_registered(_list_health(list_id), names)

    @mcp.prompt(
        name="segment_send_checklist",
        title="Segment send checklist",
        description="Check a campaign and a segment before sending",
    )
    def segment_send_checklist(campaign_id: str, segment_id: str) -> str:
        return only_registered(_segment_send_checklist(campaign_id, segment_id), names)

    listings = _Listings()

    async def complete(
        ref: types.PromptReference, argument: types.CompletionArgument, context: types.CompletionContext | None
    ) -> list[str] | None:
        given = dict(context.arguments or {}) if context is not None else {}
        return await listings.complete(current().client, argument.name, argument.value, given)

    return complete


class _Listings:
    """Ids for completion, each listing cached for a minute: typing an argument must not spend the rate budget."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cache: dict[str, tuple[float, list[tuple[str, str]]]] = {}

    async def complete(self, client: EGoiClient, name: str, prefix: str, given: dict[str, str]) -> list[str] | None:
        if name not in ("list_id", "campaign_id", "segment_id", "tag"):
            return None
        try:
            pairs = await self._pairs(client, name, given)
        except EGoiError:
            return []
        wanted = prefix.casefold()
        return [value for value, label in pairs if value.casefold().startswith(wanted) or wanted in label.casefold()]

    async def _pairs(self, client: EGoiClient, name: str, given: dict[str, str]) -> list[tuple[str, str]]:
        if name == "campaign_id":
            return sorted((await client.campaign_names()).items())
        if name == "list_id":
            return await self._cached("lists", lambda: _lists(client))
        if name == "tag":
            return await self._cached("tags", lambda: _tags(client))
        list_id = await _list_of(client, given)
        return await self._cached(f"segments:{list_id}", lambda: _segments(client, list_id))

    async def _cached(self, key: str, load: Callable[[], Awaitable[list[tuple[str, str]]]]) -> list[tuple[str, str]]:
        hit = self._cache.get(key)
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        pairs = await load()
        self._cache[key] = (self._clock() + _TTL, pairs)
        return pairs


async def _lists(client: EGoiClient) -> list[tuple[str, str]]:
    return [(str(item.id), item.name) for item in (await client.get_lists(limit=100, counts=False)).items]


async def _tags(client: EGoiClient) -> list[tuple[str, str]]:
    return [(item.name, str(item.id)) for item in (await client.list_tags(limit=100)).items]


async def _segments(client: EGoiClient, list_id: int | None) -> list[tuple[str, str]]:
    return [(item.id, item.name) for item in (await client.segment_list(list_id, limit=100)).items]


async def _list_of(client: EGoiClient, given: dict[str, str]) -> int | None:
    """The list a segment argument belongs to: the given list_id, else the given campaign's list, else the default."""
    if str(given.get("list_id", "")).isdigit():
        return int(given["list_id"])
    if given.get("campaign_id"):
        try:
            return (await client.get_campaign(given["campaign_id"])).list_id
        except EGoiError:
            return None
    return None
