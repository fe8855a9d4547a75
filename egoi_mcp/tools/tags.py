"""Tags toolset: create, list and delete tags, and attach or detach them on contacts."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, Resolve
from pydantic import BaseModel, Field

from egoi_mcp.models import Page, Tag
from egoi_mcp.runtime import Runtime
from egoi_mcp.tools._base import (
    ActionResult,
    Confirm,
    ContactId,
    Cursor,
    Decision,
    Limit,
    ListId,
    confirmed,
    gate,
    runtime,
    tool,
)

TagRef = Annotated[str, Field(min_length=1, max_length=100, description="tag name or id")]
ContactIds = Annotated[list[ContactId], Field(min_length=1, max_length=10_000)]


class TagResult(BaseModel):
    tag_id: int
    list_id: int
    contacts: int
    summary: str


@tool("tags", "Create tag")
async def egoi_create_tag(
    name: Annotated[str, Field(min_length=1, max_length=100)],
    ctx: Context,
    color: Annotated[str | None, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#RRGGBB")] = None,
) -> Tag:
    """Create a tag. Fails with TAG_ALREADY_EXISTS if the name is taken."""
    return await runtime(ctx).client.create_tag(name, color)


@tool("tags", "List tags", read_only=True, idempotent=True)
async def egoi_list_tags(ctx: Context, limit: Limit = 25, cursor: Cursor = None) -> Page[Tag]:
    """The account's tags (ids and names)."""
    return await runtime(ctx).client.list_tags(limit=limit, cursor=cursor)


async def _delete_summary(rt: Runtime, tag_id: int) -> str:
    tag = await rt.client.find_tag(tag_id)
    return f"delete tag '{tag.name}' (id {tag.id}) from the account and every contact"


async def _confirm_delete(ctx: Context, tag_id: int, confirm: bool):
    return await gate(ctx, confirm, lambda: _delete_summary(runtime(ctx), tag_id))


@tool("tags", "Delete tag", destructive=True, idempotent=True)
async def egoi_delete_tag(
    tag_id: Annotated[int, Field(ge=1, description="tag id (egoi_list_tags)")],
    ctx: Context,
    decision: Annotated[Decision, Resolve(_confirm_delete)],
    confirm: Confirm = False,
) -> ActionResult:
    """Delete a tag. Without confirm=true it only previews."""
    rt = runtime(ctx)

    async def act() -> str:
        await rt.client.delete_tag(tag_id)
        return f"deleted tag {tag_id}"

    return await confirmed(
        decision, confirm=confirm, summary=lambda: _delete_summary(rt, tag_id), act=act, arguments={"tag_id": tag_id}
    )


@tool("tags", "Attach tag", idempotent=True)
async def egoi_attach_tag(tag: TagRef, contact_ids: ContactIds, ctx: Context, list_id: ListId = None) -> TagResult:
    """Attach a tag (created if the name is new) to contacts of a list."""
    client = runtime(ctx).client
    list_id = client.resolve_list_id(list_id)
    tag_id = await client.attach_tag(tag, contact_ids, list_id)
    n = len(set(contact_ids))
    return TagResult(tag_id=tag_id, list_id=list_id, contacts=n, summary=f"tagged {n} contact(s)")


@tool("tags", "Detach tag", idempotent=True)
async def egoi_detach_tag(tag: TagRef, contact_ids: ContactIds, ctx: Context, list_id: ListId = None) -> TagResult:
    """Remove a tag from contacts of a list (the tag itself stays)."""
    client = runtime(ctx).client
    list_id = client.resolve_list_id(list_id)
    tag_id = await client.detach_tag(tag, contact_ids, list_id)
    n = len(set(contact_ids))
    return TagResult(tag_id=tag_id, list_id=list_id, contacts=n, summary=f"untagged {n} contact(s)")
