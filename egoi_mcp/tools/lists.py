"""Lists toolset: create, list and delete E-goi contact lists."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, Resolve
from pydantic import Field

from egoi_mcp.models import MailingList, Page
from egoi_mcp.runtime import Runtime
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

RequiredListId = Annotated[int, Field(ge=1, description="E-goi list id (egoi_list_lists)")]


@tool("lists", "Create list")
async def egoi_create_list(
    name: Annotated[str, Field(min_length=1, max_length=255, description="internal name")],
    ctx: Context,
    description: Annotated[str | None, Field(max_length=255, description="public name subscribers see")] = None,
) -> MailingList:
    """Create a contact list."""
    return await runtime(ctx).client.create_list(name, description)


@tool("lists", "List lists", read_only=True, idempotent=True)
async def egoi_list_lists(ctx: Context, limit: Limit = 25, cursor: Cursor = None) -> Page[MailingList]:
    """The account's contact lists, oldest first. Most tools need a list id from here."""
    return await runtime(ctx).client.get_lists(limit=limit, cursor=cursor)


async def _delete_summary(rt: Runtime, list_id: int) -> str:
    lst = await rt.client.get_list(list_id)
    count = await rt.client.count_contacts(list_id)
    return f"delete list '{lst.name}' (id {list_id}) and its {count} contact(s)"


async def _confirm_delete(ctx: Context, list_id: int, confirm: bool):
    return await gate(ctx, confirm, lambda: _delete_summary(runtime(ctx), list_id))


@tool("lists", "Delete list", destructive=True, idempotent=True)
async def egoi_delete_list(
    list_id: RequiredListId,
    ctx: Context,
    decision: Annotated[Decision, Resolve(_confirm_delete)],
    confirm: Confirm = False,
) -> ActionResult:
    """Delete a list with all its contacts. Without confirm=true it only previews."""
    rt = runtime(ctx)

    async def act() -> str:
        await rt.client.delete_list(list_id)
        return f"deleted list {list_id}"

    return await confirmed(
        decision, confirm=confirm, summary=lambda: _delete_summary(rt, list_id), act=act,
        arguments={"list_id": list_id},
    )  # fmt: skip
