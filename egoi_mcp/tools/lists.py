"""Lists toolset: create, list and delete E-goi contact lists."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from egoi_mcp.models import MailingList, Page
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.tools._base import Cursor, Length, Limit, RequiredListId, Toolset, tool
from egoi_mcp.tools._confirm import Plan
from egoi_mcp.untrusted import quote


@tool("Create list")
async def egoi_create_list(
    name: Annotated[str, Length(255, 1), Field(description="internal name")],
    ctx: Context,
    description: Annotated[str | None, Length(255), Field(description="public name subscribers see")] = None,
) -> MailingList:
    """Create a contact list."""
    return await runtime(ctx).client.create_list(name, description)


@tool("List lists", read_only=True, idempotent=True)
async def egoi_list_lists(
    ctx: Context, limit: Limit = 25, cursor: Cursor = None, counts: bool = False
) -> Page[MailingList]:
    """The account's contact lists, oldest first. Most tools need a list id from here. counts=true adds each list's
    subscribers (total, active, unsubscribed...) at one more E-goi call per list."""
    return await runtime(ctx).client.get_lists(limit=limit, cursor=cursor, counts=counts)


async def _delete_summary(rt: Runtime, list_id: int) -> Plan:
    lst = await rt.client.get_list(list_id)
    count = await rt.client.count_contacts(list_id)
    return Plan(
        f"delete list {quote(lst.name)} (id {list_id}) and its {count} contact(s)", {"name": lst.name, "deletes": count}
    )


@tool("Delete list", confirm=_delete_summary, idempotent=True)
async def egoi_delete_list(list_id: RequiredListId, ctx: Context, plan: Plan) -> str:
    """Delete a list with all its contacts. Previews unless confirm=true."""
    await runtime(ctx).client.delete_list(list_id)
    return f"deleted list {quote(plan.facts['name'])} (id {list_id})"


TOOLSET = Toolset("lists", (egoi_create_list, egoi_list_lists, egoi_delete_list))
