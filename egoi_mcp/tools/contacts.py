"""Contacts toolset: create, read, find, list (by segment or tag), update and delete contacts, and read what a
contact did."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import AfterValidator, Field

from egoi_mcp._model import Model
from egoi_mcp.client import FieldValue, ListField
from egoi_mcp.errors import InvalidArgumentError, NotFoundError
from egoi_mcp.models import Activity, Contact, MailingList, Page, TagRef
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.tools._base import ContactId, Cursor, Length, Limit, ListId, SegmentId, TheirListId, Toolset, tool
from egoi_mcp.tools._confirm import Plan
from egoi_mcp.tools._tag_args import TagIdArg, TagNameArg, TagNamesArg, one_tag, tag_refs
from egoi_mcp.untrusted import quote

Email = Annotated[str, Length(254, 3)]
ContactIds = Annotated[list[ContactId], Length(10_000, 1)]
Name = Annotated[str | None, Length(100)]
Phone = Annotated[str | None, Length(32)]  # any usual form: the client normalises it
DeleteMode = Annotated[
    Literal["forget", "unsubscribe"], Field(description="forget = GDPR erase (default); unsubscribe = keep as removed")
]


def _field_values(values: dict[str, Any] | None) -> dict[str, Any] | None:
    for name, value in (values or {}).items():
        if (
            not isinstance(value, str | int | float | list)
            or isinstance(value, bool)
            or (isinstance(value, list) and not all(isinstance(v, str) for v in value))
        ):
            raise ValueError(f"field {quote(name)} takes text, a number or a list of option labels")
    return values


# Extra fields by name (egoi_list_fields); an option field takes its label. Only `object` in the schema: the
# values are checked here, and against the list's fields by the client.
Fields = Annotated[dict[str, Any] | None, Length(100), AfterValidator(_field_values)]


class SavedContact(Model):
    # What a create says back: the id and what E-goi made of it (the rest is what the caller just gave).
    id: str
    list_id: int | None = None
    status: str | None = None
    tags: list[TagRef] = Field(default_factory=list)


@tool("Create contact")
async def egoi_create_contact(
    email: Email,
    ctx: Context,
    first_name: Name = None,
    last_name: Name = None,
    phone: Phone = None,
    list_id: ListId = None,
    tags: TagNamesArg = None,
    fields: Fields = None,
    if_exists: Literal["fail", "update"] = "fail",
) -> SavedContact:
    """Add a contact (tags by name; new ones created)."""
    base, extra = _base_fields(fields)
    contact = await runtime(ctx).client.contacts.create(
        base.get("email", email), base.get("first_name", first_name), base.get("last_name", last_name),
        base.get("phone", phone), list_id, tag_refs(tags, None), fields=extra, if_exists=if_exists,
    )  # fmt: skip
    return SavedContact.model_validate(contact.model_dump(include=set(SavedContact.model_fields)))


_BASE = ("first_name", "last_name", "email", "phone")


def _base_fields(fields: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """`fields` split into the base ones (by their parameter names) and the list's extra ones."""
    if not fields:
        return {}, fields
    base = {k.casefold(): v for k, v in fields.items() if k.casefold() in _BASE}
    for name, value in base.items():
        if not isinstance(value, str):
            raise InvalidArgumentError(f"field {name} takes text")
    extra = {k: v for k, v in fields.items() if k.casefold() not in _BASE}
    return base, extra or None


@tool("List fields", read_only=True, idempotent=True)
async def egoi_list_fields(ctx: Context, list_id: ListId = None) -> Page[ListField]:
    """A list's contact fields: base and extra (the names fields= takes), with format and option labels."""
    found = await runtime(ctx).client.fields.list(list_id)
    return Page[ListField](items=found, total=len(found), next_cursor=None)


@tool("Get contact", read_only=True, idempotent=True)
async def egoi_get_contact(contact_id: ContactId, ctx: Context, list_id: ListId = None) -> Contact:
    """Read one contact of a list by contact_id (from egoi_search_contacts)."""
    return await runtime(ctx).client.get_contact(contact_id, list_id)


@tool("Search contacts", read_only=True, idempotent=True)
async def egoi_search_contacts(
    query: Annotated[str, Length(254, 1)],
    ctx: Context,
    list_id: ListId = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Contact]:
    """Find contacts by e-mail, phone or 'first last' name (all lists unless list_id)."""
    return await runtime(ctx).client.search_contacts(query, list_id, limit=limit, cursor=cursor)


ListedStatus = Literal["active", "inactive", "unconfirmed", "removed"] | None
SettableStatus = Literal["active", "inactive"] | None


@tool("List contacts", read_only=True, idempotent=True)
async def egoi_list_contacts(
    ctx: Context,
    list_id: ListId = None,
    segment_id: SegmentId | None = None,
    tag: TagNameArg = None,
    tag_id: TagIdArg = None,
    status: ListedStatus = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[Contact]:
    """A list's contacts."""
    return await runtime(ctx).client.list_contacts(
        list_id, segment_id=segment_id, tag=one_tag(tag, tag_id), status=status, limit=limit, cursor=cursor
    )


@tool("Contact activity", read_only=True, idempotent=True)
async def egoi_get_contact_activity(
    contact_id: ContactId, ctx: Context, list_id: ListId = None, limit: Limit = 25, cursor: Cursor = None
) -> Page[Activity]:
    """What a contact did (sends, opens, clicks, tags...), newest first."""
    return await runtime(ctx).client.get_contact_activity(contact_id, list_id, limit=limit, cursor=cursor)


_CHECKED = 5  # contacts a preview reads one by one (each an E-goi call); E-goi refuses a batch with a stranger


async def _targets(rt: Runtime, contact_ids: list[str], list_id: int | None) -> tuple[MailingList, str]:
    """The list, and the contacts named as a person would: their addresses when few. A missing list or contact
    is the not-found error the act would meet."""
    lst = await rt.client.get_list(rt.client.resolve_list_id(list_id))
    unique = list(dict.fromkeys(contact_ids))
    emails = []
    for contact_id in unique[:_CHECKED]:
        try:
            emails.append(quote((await rt.client.get_contact(contact_id, lst.id)).email or contact_id))
        except NotFoundError:
            raise NotFoundError(
                f"contact {contact_id} is not in list {lst.id}: nothing was changed; find it with "
                f"egoi_search_contacts(list_id={lst.id})",
                code="SUBSCRIBER_NOT_FOUND",
                status=404,
            ) from None
    return lst, ", ".join(emails) + (", ..." if len(unique) > _CHECKED else "")


def _changes(
    first_name: str | None, last_name: str | None, email: str | None, phone: str | None, status: str | None,
    extra: dict[str, FieldValue] | None,
) -> str:  # fmt: skip
    base = {"first_name": first_name, "last_name": last_name, "email": email, "phone": phone, "status": status}
    pairs = [(k, v) for k, v in {**base, **(extra or {})}.items() if v is not None]
    change = "; ".join(f"{quote(k)}={quote(v)}" if k in (extra or {}) else f"{k}={v!r}" for k, v in pairs)
    if not change:
        raise InvalidArgumentError(
            "nothing to set: give first_name, last_name, status or fields (phone, email, extras)"
        )
    return change


async def _update_summary(
    rt: Runtime, contact_ids: list[str], list_id: int | None, first_name: str | None, last_name: str | None,
    status: str | None, fields: dict[str, FieldValue] | None,
) -> Plan:  # fmt: skip
    base, extra = _base_fields(fields)
    first_name, last_name = base.get("first_name", first_name), base.get("last_name", last_name)
    change = _changes(first_name, last_name, base.get("email"), base.get("phone"), status, extra)
    lst, who = await _targets(rt, contact_ids, list_id)
    if extra:
        await rt.client.fields.extra(lst.id, extra)  # an unknown name or a bad value is refused in the preview
    n = len(set(contact_ids))
    return Plan(
        f"set {change} on {n} contact(s) ({who}) of list {quote(lst.name)} (id {lst.id})",
        {"list_id": lst.id, "who": who},
    )


@tool("Update contacts", confirm=_update_summary, idempotent=True)
async def egoi_update_contacts(
    contact_ids: ContactIds,
    ctx: Context,
    plan: Plan,
    list_id: TheirListId = None,
    first_name: Name = None,
    last_name: Name = None,
    status: SettableStatus = None,
    fields: Fields = None,
) -> str:
    """Set contacts' names, status or fields (phone, email, extras by name)."""
    resolved: int = plan.facts["list_id"]
    base, extra = _base_fields(fields)
    n = await runtime(ctx).client.update_contacts(
        contact_ids, resolved, first_name=base.get("first_name", first_name),
        last_name=base.get("last_name", last_name), email=base.get("email"), phone=base.get("phone"),
        status=status, fields=extra,
    )  # fmt: skip
    return f"updated {n} contact(s) ({plan.facts['who']}) in list {resolved}"


async def _delete_summary(rt: Runtime, contact_ids: list[str], list_id: int | None, mode: str) -> Plan:
    lst, who = await _targets(rt, contact_ids, list_id)
    verb = "permanently erase (GDPR forget)" if mode == "forget" else "unsubscribe"
    n = len(set(contact_ids))
    facts = {"list_id": lst.id, "who": who, "deletes": n}
    return Plan(f"{verb} {n} contact(s) ({who}) from list {quote(lst.name)} (id {lst.id})", facts)


@tool("Delete contacts", confirm=_delete_summary, idempotent=True)
async def egoi_delete_contacts(
    contact_ids: ContactIds, ctx: Context, plan: Plan, list_id: TheirListId = None, mode: DeleteMode = "forget"
) -> str:
    """Delete contacts from a list: GDPR erase by default, or unsubscribe. Previews who it hits
    unless confirm=true."""
    resolved: int = plan.facts["list_id"]
    n = await runtime(ctx).client.delete_contacts(contact_ids, resolved, mode)  # a missing one: SUBSCRIBER_NOT_FOUND
    verb = "erased" if mode == "forget" else "unsubscribed"
    return f"{verb} {n} contact(s) ({plan.facts['who']}) in list {resolved}"


TOOLSET = Toolset(
    "contacts",
    (
        egoi_create_contact,
        egoi_list_fields,
        egoi_get_contact,
        egoi_search_contacts,
        egoi_list_contacts,
        egoi_get_contact_activity,
        egoi_update_contacts,
        egoi_delete_contacts,
    ),
    about="Contacts live in lists, and a contact_id belongs to one list. Tags are given by name in tag/tags "
    '("2026" is a name), or by id in tag_id/tag_ids.',
)
