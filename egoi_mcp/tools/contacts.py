"""Contacts toolset: create, read, find, update and delete contacts in E-goi lists."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, Resolve
from pydantic import BaseModel, Field

from egoi_mcp.models import Contact, Page
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

Email = Annotated[str, Field(min_length=3, max_length=254, description="e-mail address")]
Tags = Annotated[list[str] | None, Field(max_length=20, description="tag names or ids; missing names are created")]
ContactIds = Annotated[list[ContactId], Field(min_length=1, max_length=10_000)]
Name = Annotated[str | None, Field(max_length=100)]
Phone = Annotated[str | None, Field(max_length=32, description="international form, e.g. +351912345678")]
DeleteMode = Annotated[
    Literal["forget", "unsubscribe"], Field(description="forget = GDPR erase (default); unsubscribe = keep as removed")
]


class UpdateResult(BaseModel):
    updated: int = Field(description="contacts targeted")
    list_id: int
    summary: str


@tool("contacts", "Create contact")
async def egoi_create_contact(
    email: Email,
    ctx: Context,
    first_name: Name = None,
    last_name: Name = None,
    phone: Phone = None,
    list_id: ListId = None,
    tags: Tags = None,
) -> Contact:
    """Add a contact to a list. Fails with EMAIL_ALREADY_EXISTS (and the existing contact_id) if the
    e-mail is already in that list; then use egoi_update_contacts."""
    return await runtime(ctx).client.create_contact(email, first_name, last_name, phone, list_id, tags)


@tool("contacts", "Get contact", read_only=True, idempotent=True)
async def egoi_get_contact(contact_id: ContactId, ctx: Context, list_id: ListId = None) -> Contact:
    """Read one contact of a list by contact_id (from egoi_search_contacts)."""
    return await runtime(ctx).client.get_contact(contact_id, list_id)


@tool("contacts", "Search contacts", read_only=True, idempotent=True)
async def egoi_search_contacts(
    query: Annotated[str, Field(min_length=1, max_length=254, description="e-mail, phone, or 'first last' name")],
    ctx: Context,
    list_id: ListId = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Contact]:
    """Find contacts by e-mail, phone or name. Without list_id, an e-mail or phone is searched in every list."""
    return await runtime(ctx).client.search_contacts(query, list_id, limit=limit, cursor=cursor)


@tool("contacts", "Update contacts", idempotent=True)
async def egoi_update_contacts(
    contact_ids: ContactIds,
    ctx: Context,
    list_id: ListId = None,
    first_name: Name = None,
    last_name: Name = None,
    email: Annotated[str | None, Field(max_length=254, description="only when updating one contact")] = None,
    phone: Phone = None,
    status: Literal["active", "inactive"] | None = None,
    tags: Tags = None,
) -> UpdateResult:
    """Set fields on one or many contacts of a list and add tags (names or ids); thousands at once is fine."""
    rt = runtime(ctx)
    list_id = rt.client.resolve_list_id(list_id)
    n = await rt.client.update_contacts(
        contact_ids, list_id, tags=tags, first_name=first_name, last_name=last_name, email=email, phone=phone,
        status=status,
    )  # fmt: skip
    return UpdateResult(updated=n, list_id=list_id, summary=f"updated {n} contact(s) in list {list_id}")


async def _delete_summary(rt: Runtime, contact_ids: list[str], list_id: int | None, mode: str) -> str:
    lst = await rt.client.get_list(rt.client.resolve_list_id(list_id))
    who = f"{len(contact_ids)} contact(s)"
    if len(contact_ids) <= 3:
        emails = [(await rt.client.get_contact(c, lst.id)).email or c for c in contact_ids]
        who += f" ({', '.join(emails)})"
    verb = "permanently erase (GDPR forget)" if mode == "forget" else "unsubscribe"
    return f"{verb} {who} from list '{lst.name}' (id {lst.id})"


async def _confirm_delete(ctx: Context, contact_ids: list[str], list_id: int | None, mode: str, confirm: bool):
    return await gate(ctx, confirm, lambda: _delete_summary(runtime(ctx), contact_ids, list_id, mode))


@tool("contacts", "Delete contacts", destructive=True, idempotent=True)
async def egoi_delete_contacts(
    contact_ids: ContactIds,
    ctx: Context,
    decision: Annotated[Decision, Resolve(_confirm_delete)],
    list_id: ListId = None,
    mode: DeleteMode = "forget",
    confirm: Confirm = False,
) -> ActionResult:
    """Delete contacts from a list: GDPR erase by default, or unsubscribe. Without confirm=true it only
    previews who would be affected."""
    rt = runtime(ctx)

    async def act() -> str:
        n = await rt.client.delete_contacts(contact_ids, list_id, mode)
        verb = "erased" if mode == "forget" else "unsubscribed"
        return f"{verb} {n} contact(s) in list {rt.client.resolve_list_id(list_id)}"

    return await confirmed(
        decision, confirm=confirm, summary=lambda: _delete_summary(rt, contact_ids, list_id, mode), act=act,
        arguments={"contact_ids": contact_ids, "list_id": list_id, "mode": mode},
    )  # fmt: skip
