"""Webhooks toolset: point E-goi's webhooks for a list at this server's receiver, list and delete them."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, Resolve
from pydantic import Field

from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.models import Page, Webhook
from egoi_mcp.tools._base import (
    ActionResult,
    Confirm,
    Cursor,
    Decision,
    Limit,
    confirmed,
    gate,
    runtime,
    tool,
)
from egoi_mcp.webhooks.triggers import TRIGGERS, TriggerName, egoi_actions

ALL_TRIGGERS: list[str] = list(TRIGGERS)


@tool("webhooks", "Register webhook")
async def egoi_register_webhook(
    list_id: Annotated[int, Field(ge=1, description="list whose events to receive")],
    ctx: Context,
    triggers: Annotated[list[TriggerName] | None, Field(description="default: all seven")] = None,
    url: Annotated[str | None, Field(description="receiver URL; default: this server's")] = None,
) -> Webhook:
    """Have E-goi send a list's events (new subscriber, opens, clicks, bounces...) to this server, where they
    become egoi://events resources and egoi_list_events results."""
    rt = runtime(ctx)
    target = url or rt.receiver_url()
    if not target:
        raise InvalidArgumentError(
            "this server does not know its public address: set EGOI_MCP_PUBLIC_URL (e.g. https://mcp.example.com) "
            "or pass url"
        )
    hook = await rt.client.create_webhook(list_id, target, egoi_actions(list(triggers or ALL_TRIGGERS)))
    return _without_secret(hook, rt.webhook_secret)


@tool("webhooks", "List webhooks", read_only=True, idempotent=True)
async def egoi_list_webhooks(ctx: Context, limit: Limit = 25, cursor: Cursor = None) -> Page[Webhook]:
    """The webhooks registered in the E-goi account."""
    rt = runtime(ctx)
    page = await rt.client.list_webhooks(limit=limit, cursor=cursor)
    page.items = [_without_secret(hook, rt.webhook_secret) for hook in page.items]
    return page


def _without_secret(hook: Webhook, secret: str) -> Webhook:
    """Whoever reads a tool result must not learn the receiver's secret: it would let them forge events."""
    return hook.model_copy(update={"url": hook.url.replace(secret, "***")})


async def _delete_summary(webhook_id: int) -> str:
    return f"delete webhook {webhook_id}, so its events stop arriving"


async def _confirm_delete(ctx: Context, webhook_id: int, confirm: bool):
    return await gate(ctx, confirm, lambda: _delete_summary(webhook_id))


@tool("webhooks", "Delete webhook", destructive=True, idempotent=True)
async def egoi_delete_webhook(
    webhook_id: Annotated[int, Field(ge=1, description="id from egoi_list_webhooks")],
    ctx: Context,
    decision: Annotated[Decision, Resolve(_confirm_delete)],
    confirm: Confirm = False,
) -> ActionResult:
    """Delete a webhook. Without confirm=true it only previews."""

    async def act() -> str:
        await runtime(ctx).client.delete_webhook(webhook_id)
        return f"deleted webhook {webhook_id}"

    return await confirmed(
        decision, confirm=confirm, summary=lambda: _delete_summary(webhook_id), act=act,
        arguments={"webhook_id": webhook_id},
    )  # fmt: skip
