"""Webhooks toolset: point E-goi's webhooks for a list at this server's receiver, list and delete them."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from egoi_mcp.errors import InvalidArgumentError, NotFoundError
from egoi_mcp.models import Page, Webhook
from egoi_mcp.redact import REDACTED, redact
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.tools._base import Cursor, Limit, RequiredListId, Toolset, tool
from egoi_mcp.tools._confirm import Plan
from egoi_mcp.webhooks.triggers import TRIGGERS, TriggerName, egoi_actions


@tool("Register webhook")
async def egoi_register_webhook(
    list_id: RequiredListId,
    ctx: Context,
    triggers: Annotated[list[TriggerName] | None, Field(description="default: all seven")] = None,
    url: Annotated[str | None, Field(description="receiver URL; default: this server's")] = None,
) -> Webhook:
    """Have E-goi send a list's events to this server (egoi_list_events, egoi://events); a list and URL that
    already have one get it back."""
    rt = runtime(ctx)
    target = url or rt.receiver_url()
    if not target:
        raise InvalidArgumentError(
            "this server does not know its public address: set EGOI_MCP_PUBLIC_URL (e.g. https://mcp.example.com) "
            "or pass url"
        )
    hook = await _existing(rt, list_id, target)
    if hook is None:
        hook = await rt.client.create_webhook(list_id, target, egoi_actions(list(triggers or TRIGGERS)))
    return _without_secret(hook, rt.webhook_secret)


async def _existing(rt: Runtime, list_id: int, url: str) -> Webhook | None:
    """The webhook already sending this list's events to this URL: a second one would double every event. (The
    client scrubs the secret from what E-goi answers, so the URL is compared scrubbed too.)"""
    url = redact(url)
    cursor: str | None = None
    while True:
        page = await rt.client.list_webhooks(limit=100, cursor=cursor)
        for hook in page.items:
            if hook.list_id == list_id and redact(hook.url) == redact(url):  # results come back redacted
                return hook
        cursor = page.next_cursor
        if not cursor:
            return None


@tool("List webhooks", read_only=True, idempotent=True)
async def egoi_list_webhooks(ctx: Context, limit: Limit = 25, cursor: Cursor = None) -> Page[Webhook]:
    """The webhooks registered in the E-goi account."""
    rt = runtime(ctx)
    page = await rt.client.list_webhooks(limit=limit, cursor=cursor)
    page.items = [_without_secret(hook, rt.webhook_secret) for hook in page.items]
    return page


def _without_secret(hook: Webhook, secret: str) -> Webhook:
    """Whoever reads a tool result must not learn the receiver's secret: it would let them forge events."""
    return hook.model_copy(update={"url": redact(hook.url.replace(secret, REDACTED))})


async def _delete_summary(rt: Runtime, webhook_id: int) -> Plan:
    hook = await _webhook(rt, webhook_id)
    return Plan(
        f"delete webhook {webhook_id} of list {hook.list_id}, so its events stop arriving", {"list_id": hook.list_id}
    )


async def _webhook(rt: Runtime, webhook_id: int) -> Webhook:
    """The webhook `webhook_id`, or the not-found error its deletion would meet."""
    cursor: str | None = None
    while True:
        page = await rt.client.list_webhooks(limit=100, cursor=cursor)
        found = next((hook for hook in page.items if hook.id == webhook_id), None)
        if found is not None:
            return found
        cursor = page.next_cursor
        if not cursor:
            raise NotFoundError(
                f"no webhook {webhook_id}: see egoi_list_webhooks for the ids", code="WEBHOOK_NOT_FOUND", status=404
            )


@tool("Delete webhook", confirm=_delete_summary, idempotent=True)
async def egoi_delete_webhook(
    webhook_id: Annotated[int, Field(ge=1, description="id from egoi_list_webhooks")], ctx: Context, plan: Plan
) -> str:
    """Delete a webhook. Previews unless confirm=true."""
    await runtime(ctx).client.delete_webhook(webhook_id)
    return f"deleted webhook {webhook_id} of list {plan.facts['list_id']}"


TOOLSET = Toolset(
    "webhooks",
    (egoi_register_webhook, egoi_list_webhooks, egoi_delete_webhook),
    about="egoi_register_webhook points a list's events at this server.",
)
