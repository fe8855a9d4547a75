"""The event resources: `egoi://events/recent`, `egoi://events/{trigger}` and `egoi://event/{event_id}`.

Also the three 2025-era requests that go with live resources and that `MCPServer` does not serve itself:
`resources/subscribe`, `resources/unsubscribe` and `logging/setLevel`; and the server's one `completion/complete`
handler: trigger names and event ids for the templates, and the prompts' arguments through `complete_prompts`
(see `resources/prompts.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

import mcp.types as types
from mcp import MCPError
from mcp.server import MCPServer, ServerRequestContext
from mcp.server.mcpserver.exceptions import ResourceNotFoundError

from egoi_mcp import _sdk
from egoi_mcp._model import list_of
from egoi_mcp.errors import EGoiError
from egoi_mcp.models import Event
from egoi_mcp.resources.notifier import EVENT_URI, RECENT_URI, TRIGGER_URI, EventNotifier
from egoi_mcp.tools._results import bounded_json
from egoi_mcp.untrusted import UNTRUSTED_META, free_text, untrusted_paths
from egoi_mcp.webhooks.triggers import OTHER, TRIGGERS

if TYPE_CHECKING:
    from egoi_mcp.store import Store

__all__ = ["RESOURCE_LIMIT", "RESOURCE_TRIGGERS", "EventSource", "complete_event_argument", "register_event_resources"]

RESOURCE_LIMIT: Final = 50
MAX_COMPLETIONS: Final = 100  # what completion/complete may return
RESOURCE_TRIGGERS: Final = (*TRIGGERS, OTHER)
JSON: Final = "application/json"

_PAYLOAD: Final = free_text(Event) or {}  # what EGOI_MCP_USER_CONTENT=hide leaves out of one event
# Each read names its third-party fields, as tool results do: a list's items (no payloads), or the one event.
_LIST_META: Final = {UNTRUSTED_META: [f"[].{p}" for p in untrusted_paths(Event) if p not in _PAYLOAD]}


class EventSource(Protocol):
    """Where the resources read events and keep subscriptions: the running server's `Runtime` is one."""

    @property
    def store(self) -> Store: ...

    @property
    def notifier(self) -> EventNotifier: ...

    @property
    def account(self) -> str:
        """Whose events these are ('' on a single-account server)."""
        ...


CampaignNames = Callable[[list[str]], Awaitable[dict[str, str]]]
PromptCompleter = Callable[
    [types.PromptReference, types.CompletionArgument, types.CompletionContext | None], Awaitable[list[str] | None]
]


def register_event_resources(
    mcp: MCPServer,
    current: Callable[[], EventSource],
    *,
    names: CampaignNames | None = None,
    empty_hint: str = "",
    complete_prompts: PromptCompleter | None = None,
    hide_user_content: bool = False,
) -> None:
    """Add the event resources to `mcp`. `current()` gives the running server's store and notifier.

    Lists leave each event's payload out (`egoi://event/{id}` has it); every read is at most 256 KiB of text.
    `names(hashes)` names the events' campaigns (the client's cached listing); `empty_hint` joins the lists'
    descriptions (what fills them: a webhook pointing here). `complete_prompts` completes prompt arguments in
    the one completion handler. `hide_user_content` (EGOI_MCP_USER_CONTENT=hide) leaves payloads out of reads too.
    Every read's contents carry `_meta[UNTRUSTED_META]`: the paths of the fields others wrote.
    """
    hint = f" {empty_hint}" if empty_hint else ""
    _register_lists(mcp, current, _namer(names), hint)
    _register_event(mcp, current, _PAYLOAD if hide_user_content else {})
    _register_completion(mcp, current, complete_prompts)
    _serve_subscriptions(mcp, current)


def _namer(names: CampaignNames | None) -> Callable[[list[Event]], Awaitable[str]]:
    """A list of events as JSON, each campaign named beside its hash (names are a courtesy: never an error)."""

    async def listing(events: list[Event]) -> str:
        hashes = sorted({e.campaign_id for e in events if e.campaign_id})
        known: dict[str, str] = {}
        if names is not None and hashes:
            try:
                known = await names(hashes)
            except EGoiError:
                known = {}
        named = [
            e.model_copy(update={"campaign_name": known.get(e.campaign_id or "") or e.campaign_name}) for e in events
        ]
        return _listing(named)

    return listing


def _register_lists(
    mcp: MCPServer, current: Callable[[], EventSource], listing: Callable[[list[Event]], Awaitable[str]], hint: str
) -> None:
    """`egoi://events/recent` and `egoi://events/{trigger}`: the newest events, payloads left out."""
    valid = ", ".join(RESOURCE_TRIGGERS)

    @mcp.resource(
        RECENT_URI,
        name="egoi_events_recent",
        title="Recent E-goi events",
        description="The 50 newest webhook events of every trigger (new subscribers, unsubscribes, opens, "
        f"clicks, bounces, sends), newest first. Subscribe to hear of new ones.{hint}",
        mime_type=JSON,
        meta=_LIST_META,
    )
    async def recent_events() -> str:
        return await listing(await current().store.recent(None, RESOURCE_LIMIT))

    @mcp.resource(
        TRIGGER_URI,
        name="egoi_events_by_trigger",
        title="Recent E-goi events of one trigger",
        description=f"The 50 newest webhook events of one trigger, newest first. trigger: one of {valid}.{hint}",
        mime_type=JSON,
        meta=_LIST_META,
    )
    async def events_by_trigger(trigger: str) -> str:
        if trigger not in RESOURCE_TRIGGERS:
            raise ResourceNotFoundError(f"unknown trigger {trigger!r}: use one of {valid}")
        return await listing(await current().store.recent(trigger, RESOURCE_LIMIT))


def _register_event(mcp: MCPServer, current: Callable[[], EventSource], hidden: dict[str, Any]) -> None:
    """`egoi://event/{event_id}`: one event with its payload (unless `hidden` leaves it out)."""

    @mcp.resource(
        EVENT_URI,
        name="egoi_event",
        title="One E-goi event",
        description="One webhook event by id" + ("." if hidden else ", with the payload E-goi sent."),
        mime_type=JSON,
        meta={UNTRUSTED_META: [p for p in untrusted_paths(Event) if p not in hidden]},
    )
    async def event_by_id(event_id: str) -> str:
        event = await current().store.get(event_id)
        if event is None:
            raise ResourceNotFoundError(
                f"no event {event_id!r}: it was never received or has been pruned; {RECENT_URI} lists the stored events"
            )
        return bounded_json(event.model_dump(mode="json", exclude=hidden or None))


def _register_completion(
    mcp: MCPServer, current: Callable[[], EventSource], complete_prompts: PromptCompleter | None
) -> None:
    @mcp.completion()  # type: ignore[no-untyped-call,untyped-decorator]  # the SDK leaves it untyped
    async def complete(
        ref: types.ResourceTemplateReference | types.PromptReference,
        argument: types.CompletionArgument,
        context: types.CompletionContext | None,
    ) -> types.Completion | None:
        """The one completion handler: the templates' trigger names and event ids, and the prompts' arguments."""
        if isinstance(ref, types.ResourceTemplateReference):
            values = await complete_event_argument(current(), ref.uri, argument.name, argument.value)
        elif complete_prompts is not None:
            values = await complete_prompts(ref, argument, context)
        else:
            values = None
        if values is None:
            return None
        shown = values[:MAX_COMPLETIONS]
        return types.Completion(values=shown, total=len(values), has_more=len(values) > len(shown))


def _serve_subscriptions(mcp: MCPServer, current: Callable[[], EventSource]) -> None:
    """`resources/subscribe`, `resources/unsubscribe` and `logging/setLevel`, kept per connection."""

    async def on_subscribe(ctx: ServerRequestContext, params: types.SubscribeRequestParams) -> types.EmptyResult:
        source = current()
        try:
            source.notifier.subscribe(str(params.uri), ctx.session, source.account)
        except ValueError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None
        return types.EmptyResult()

    async def on_unsubscribe(ctx: ServerRequestContext, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
        source = current()
        source.notifier.unsubscribe(str(params.uri), ctx.session, source.account)
        return types.EmptyResult()

    async def on_set_level(ctx: ServerRequestContext, params: types.SetLevelRequestParams) -> types.EmptyResult:
        current().notifier.set_log_level(ctx.session, params.level)
        return types.EmptyResult()

    # MCPServer has no public API for these in SDK 2.3; the SDK's own conformance server registers them so.
    lowlevel = _sdk.lowlevel_server(mcp)
    lowlevel.add_request_handler("resources/subscribe", types.SubscribeRequestParams, on_subscribe)
    lowlevel.add_request_handler("resources/unsubscribe", types.UnsubscribeRequestParams, on_unsubscribe)
    lowlevel.add_request_handler("logging/setLevel", types.SetLevelRequestParams, on_set_level)


async def complete_event_argument(source: EventSource, uri: str, name: str, prefix: str) -> list[str] | None:
    """Trigger names for `egoi://events/{trigger}`, recent event ids for `egoi://event/{event_id}`; None otherwise."""
    if uri == TRIGGER_URI and name == "trigger":
        return [t for t in RESOURCE_TRIGGERS if t.startswith(prefix)]
    if uri == EVENT_URI and name == "event_id":
        recent: Sequence[Event] = await source.store.recent(None, 100)
        return [e.id for e in recent if e.id.startswith(prefix)]
    return None


def _listing(events: list[Event]) -> str:
    """Events without their payloads, newest first, cut to the bound (the newest kept)."""
    data = list_of(Event).dump_python([e.model_copy(update={"payload": None}) for e in events], mode="json")
    return bounded_json(data)
