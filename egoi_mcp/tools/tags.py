"""Tags toolset: create, list and delete tags, and attach or detach them on contacts."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from egoi_mcp._model import Model
from egoi_mcp.models import Page, Tag
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.tools._base import ContactId, Cursor, Length, Limit, ListId, Toolset, tool
from egoi_mcp.tools._confirm import Plan
from egoi_mcp.tools._tag_args import TagIdArg, TagNameArg, required_tag
from egoi_mcp.untrusted import quote

ContactIds = Annotated[list[ContactId], Length(10_000, 1)]


class TagResult(Model):
    tag_id: int
    list_id: int
    contacts: int
    summary: str


@tool("Create tag")
async def egoi_create_tag(
    name: Annotated[str, Length(100, 1)],
    ctx: Context,
    color: Annotated[str | None, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#RRGGBB")] = None,
) -> Tag:
    """Create a tag. Fails with TAG_ALREADY_EXISTS if the name is taken."""
    return await runtime(ctx).client.create_tag(name, color)


@tool("List tags", read_only=True, idempotent=True)
async def egoi_list_tags(ctx: Context, limit: Limit = 25, cursor: Cursor = None) -> Page[Tag]:
    """The account's tags (ids and names)."""
    return await runtime(ctx).client.list_tags(limit=limit, cursor=cursor)


async def _delete_summary(rt: Runtime, tag_id: int) -> Plan:
    tag = await rt.client.find_tag(tag_id)
    return Plan(f"delete tag {quote(tag.name)} (id {tag.id}) from the account and every contact", {"name": tag.name})


@tool("Delete tag", confirm=_delete_summary, idempotent=True)
async def egoi_delete_tag(
    tag_id: Annotated[int, Field(ge=1, description="tag id (egoi_list_tags)")], ctx: Context, plan: Plan
) -> str:
    """Delete a tag. Previews unless confirm=true."""
    await runtime(ctx).client.delete_tag(tag_id)
    return f"deleted tag {quote(plan.facts['name'])} (id {tag_id})"


@tool("Attach tag", idempotent=True)
async def egoi_attach_tag(
    contact_ids: ContactIds, ctx: Context, tag: TagNameArg = None, tag_id: TagIdArg = None, list_id: ListId = None
) -> TagResult:
    """Attach a tag (by name, created if new, or tag_id) to contacts of a list."""
    client = runtime(ctx).client
    list_id = client.resolve_list_id(list_id)
    tag_id = await client.attach_tag(required_tag(tag, tag_id), contact_ids, list_id)
    n = len(set(contact_ids))
    return TagResult(tag_id=tag_id, list_id=list_id, contacts=n, summary=f"tagged {n} contact(s)")


@tool("Detach tag", idempotent=True)
async def egoi_detach_tag(
    contact_ids: ContactIds, ctx: Context, tag: TagNameArg = None, tag_id: TagIdArg = None, list_id: ListId = None
) -> TagResult:
    """Remove a tag (by name or tag_id) from contacts of a list (the tag itself stays)."""
    client = runtime(ctx).client
    list_id = client.resolve_list_id(list_id)
    tag_id = await client.detach_tag(required_tag(tag, tag_id), contact_ids, list_id)
    n = len(set(contact_ids))
    return TagResult(tag_id=tag_id, list_id=list_id, contacts=n, summary=f"untagged {n} contact(s)")


TOOLSET = Toolset(
    "tags",
    (egoi_create_tag, egoi_list_tags, egoi_delete_tag, egoi_attach_tag, egoi_detach_tag),
    about='Tags are account-wide; egoi_list_tags gives their ids. A tag is given by name in tag ("2026" is a '
    "name) or by id in tag_id.",
)
