"""The event resources: `egoi://events/recent`, `egoi://events/{trigger}` and `egoi://event/{event_id}`.

Also the three 2025-era requests that go with live resources and that `MCPServer` does not serve itself:
`resources/subscribe`, `resources/unsubscribe` and `logging/setLevel`; and `completion/complete` for the
templates' arguments (trigger names, event ids).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

import mcp.types as types
from mcp import MCPError
from mcp.server import MCPServer, ServerRequestContext
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.server.subscriptions import SubscriptionBus
from pydantic import TypeAdapter

from egoi_mcp.models import Event
from egoi_mcp.resources.notifier import EVENT_URI, RECENT_URI, TRIGGER_URI, EventNotifier
from egoi_mcp.webhooks.triggers import OTHER, TRIGGERS

if TYPE_CHECKING:
    from egoi_mcp.store import Store

__all__ = ["RESOURCE_LIMIT", "RESOURCE_TRIGGERS", "register_event_resources"]

RESOURCE_LIMIT: Final = 50
RESOURCE_TRIGGERS: Final = (*TRIGGERS, OTHER)
JSON: Final = "application/json"

_EVENTS = TypeAdapter(list[Event])
_PYTHON_LEVELS: Final = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "alert": logging.CRITICAL,
    "emergency": logging.CRITICAL,
}


def register_event_resources(mcp: MCPServer, store: Store, bus: SubscriptionBus) -> EventNotifier:
    """Add the event resources to `mcp`, and return the notifier that keeps their subscribers informed.

    `bus` must be the one `mcp` was built with (`MCPServer(..., subscriptions=bus)`): it is how 2026-era
    listen streams hear of new events. Run `notifier.watch()` for the server's lifetime to also hear of
    events that other processes sharing `store` receive, and pass `notifier.notify` to `receiver_routes`.
    """
    notifier = EventNotifier(store, bus)
    valid = ", ".join(RESOURCE_TRIGGERS)

    @mcp.resource(
        RECENT_URI,
        name="egoi_events_recent",
        title="Recent E-goi events",
        description="The 50 newest webhook events of every trigger (new subscribers, unsubscribes, opens, "
        "clicks, bounces, sends), newest first. Subscribe to hear of new ones.",
        mime_type=JSON,
    )
    async def recent_events() -> str:
        return _EVENTS.dump_json(await store.recent(None, RESOURCE_LIMIT)).decode()

    @mcp.resource(
        TRIGGER_URI,
        name="egoi_events_by_trigger",
        title="Recent E-goi events of one trigger",
        description=f"The 50 newest webhook events of one trigger, newest first. trigger: one of {valid}.",
        mime_type=JSON,
    )
    async def events_by_trigger(trigger: str) -> str:
        if trigger not in RESOURCE_TRIGGERS:
            raise ResourceNotFoundError(f"unknown trigger {trigger!r}: use one of {valid}")
        return _EVENTS.dump_json(await store.recent(trigger, RESOURCE_LIMIT)).decode()

    @mcp.resource(
        EVENT_URI,
        name="egoi_event",
        title="One E-goi event",
        description="One webhook event by id, with the payload E-goi sent.",
        mime_type=JSON,
    )
    async def event_by_id(event_id: str) -> str:
        event = await store.get(event_id)
        if event is None:
            raise ResourceNotFoundError(
                f"no event {event_id!r}: it was never received or has been pruned; {RECENT_URI} lists the stored events"
            )
        return event.model_dump_json()

    async def on_subscribe(ctx: ServerRequestContext, params: types.SubscribeRequestParams) -> types.EmptyResult:
        try:
            notifier.subscribe(str(params.uri), ctx.session)
        except ValueError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None
        return types.EmptyResult()

    async def on_unsubscribe(ctx: ServerRequestContext, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
        notifier.unsubscribe(str(params.uri), ctx.session)
        return types.EmptyResult()

    async def on_set_level(ctx: ServerRequestContext, params: types.SetLevelRequestParams) -> types.EmptyResult:
        notifier.log_level = params.level
        logging.getLogger("egoi_mcp").setLevel(_PYTHON_LEVELS.get(params.level, logging.INFO))
        return types.EmptyResult()

    @mcp.completion()
    async def complete(
        ref: types.ResourceTemplateReference | types.PromptReference,
        argument: types.CompletionArgument,
        context: types.CompletionContext | None,
    ) -> types.Completion | None:
        """Suggest trigger names and recent event ids for the two templates (egoi-mcp has no prompts)."""
        if not isinstance(ref, types.ResourceTemplateReference):
            return None
        if ref.uri == TRIGGER_URI and argument.name == "trigger":
            values = [t for t in RESOURCE_TRIGGERS if t.startswith(argument.value)]
        elif ref.uri == EVENT_URI and argument.name == "event_id":
            values = [e.id for e in await store.recent(None, 100) if e.id.startswith(argument.value)]
        else:
            return None
        return types.Completion(values=values, total=len(values), has_more=False)

    # MCPServer has no public API for these in SDK 2.3; the SDK's own conformance server registers them so.
    lowlevel = mcp._lowlevel_server
    lowlevel.add_request_handler("resources/subscribe", types.SubscribeRequestParams, on_subscribe)
    lowlevel.add_request_handler("resources/unsubscribe", types.UnsubscribeRequestParams, on_unsubscribe)
    lowlevel.add_request_handler("logging/setLevel", types.SetLevelRequestParams, on_set_level)
    return notifier
