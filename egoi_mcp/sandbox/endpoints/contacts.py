"""Contacts: list and filter, create, read, PATCH, search across lists, and read a segment's contacts.

Creating a contact in an unknown list answers 422 on `list_id` (the spec documents no 404 there).
`GET /lists/{id}/contacts` includes removed contacts (they stay in the list with status `removed`);
its filters compare whole values without case; the sandbox does not filter by extra fields, so an
`extra_field_id[...]` filter answers 422. A duplicate e-mail in a list answers 409 with
`errors.contacts[0]` = the contact that has it. `POST .../contacts/by-field` updates the contact whose
`compare_field` (`email`, the list's unique field) has the value, or creates it when none has (its 201 says
so); a compare field that is not unique is 422.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from egoi_mcp.sandbox import render, segments
from egoi_mcp.sandbox.contact_fields import ALL_STATUSES, PATCH_STATUSES
from egoi_mcp.sandbox.endpoints._common import list_or_404, list_or_422, sandbox_of
from egoi_mcp.sandbox.extra_fields import contact_fields
from egoi_mcp.sandbox.models import Contact
from egoi_mcp.sandbox.params import choice, flag, paging, read_object, window
from egoi_mcp.sandbox.problems import invalid, not_found
from egoi_mcp.sandbox.responses import EncodedJSON, JSONResponse

_FILTERS = ("email", "first_name", "last_name", "cellphone", "phone", "birth_date", "language")
_CHANNEL_FILTERS = ("email_status", "cellphone_status", "phone_status")
_FILTER_LANGUAGES = ("pt", "en", "es", "br", "fr", "de")
_SEARCH_TYPES = ("email", "cellphone", "phone")
_TRAFFIC = ("utm", "referrer", "advertising")


async def get_all_contacts(request: Request) -> EncodedJSON:
    record = list_or_404(request)
    offset, limit = paging(request)
    choice(request, "language", _FILTER_LANGUAGES)
    if any(name.startswith("extra_field_id") for name in request.query_params):
        raise invalid({"extra_field_id": "The sandbox does not filter contacts by extra fields"})
    _birth_date(request)
    query = request.query_params
    given = {name for name, value in query.items() if value}  # a page's request gives two: offset, limit
    wanted = {name: query[name] for name in _FILTERS if name in given}
    channel = {name: flag(request, name) for name in _CHANNEL_FILTERS if name in given}
    found = sandbox_of(request).contacts_of(record.list_id)
    if wanted or channel:
        found = [
            contact
            for contact in found
            if all(str(getattr(contact, name)).casefold() == value.casefold() for name, value in wanted.items())
            and all((getattr(contact, name) == "active") == active for name, active in channel.items())
        ]
    return _page(found, offset, limit)


async def create_contact(request: Request) -> JSONResponse:
    record = list_or_422(request)  # the spec documents no 404 here
    body = await read_object(request)
    fields = contact_fields(sandbox_of(request), record.list_id, body, statuses=ALL_STATUSES, editable_consent=False)
    if not any(fields.get(name) for name in ("email", "cellphone", "phone")):
        raise invalid({"base": "A contact needs an email, a cellphone or a phone"})
    contact = sandbox_of(request).add_contact(record.list_id, fields, traffic=_traffic(body))
    return JSONResponse({"contact_id": contact.contact_id}, status_code=201)


async def get_contact(request: Request) -> JSONResponse:
    return JSONResponse(render.complex_contact(_contact_or_404(request)))


async def patch_contact(request: Request) -> JSONResponse:
    contact = _contact_or_404(request)
    body = await read_object(request)
    fields = contact_fields(sandbox_of(request), contact.list_id, body, statuses=PATCH_STATUSES, editable_consent=True)
    if fields:
        sandbox_of(request).update_contact(contact, fields)
    return JSONResponse({"contact_id": contact.contact_id})


async def contact_by_field(request: Request) -> JSONResponse:
    record = list_or_422(request)  # the spec documents no 404 here
    body = await read_object(request)
    compare = body.get("compare_field")
    if not isinstance(compare, dict) or not isinstance(compare.get("value"), str) or not compare["value"].strip():
        raise invalid({"compare_field": "Required: {field_id, value}"})
    if compare.get("field_id") != "email":
        raise invalid({"compare_field": "The field must be unique in the list: email"})
    sandbox = sandbox_of(request)
    fields = contact_fields(sandbox, record.list_id, body, statuses=PATCH_STATUSES, editable_consent=True)
    contact = sandbox.find_by(record.list_id, "email", compare["value"].strip())
    if contact is None:
        contact = sandbox.add_contact(record.list_id, {"email": compare["value"].strip(), **fields})
    elif fields:
        sandbox.update_contact(contact, fields)
    return JSONResponse({"contact_id": contact.contact_id}, status_code=201)


async def search_contacts(request: Request) -> JSONResponse:
    field = choice(request, "type", _SEARCH_TYPES, "email") or "email"
    value = request.query_params.get("contact", "").strip()
    if not value:
        raise invalid({"contact": "Required: the e-mail, cellphone or phone to look for"})
    hits = [
        {"contact_id": contact.contact_id, "list_id": contact.list_id}
        for contact in sandbox_of(request).contacts.values()
        if getattr(contact, field) and getattr(contact, field).casefold() == value.casefold()
    ]
    if not hits:
        raise not_found("No contact was found")
    return JSONResponse({"items": hits})


async def contacts_by_segment(request: Request) -> EncodedJSON:
    record = list_or_404(request)
    offset, limit = paging(request)
    show_removed = flag(request, "show_removed")
    found = segments.members(sandbox_of(request), record.list_id, request.path_params["segment_id"])
    if found is None:
        raise not_found("Segment not found")
    return _page([c for c in found if show_removed or c.status != "removed"], offset, limit)


def _birth_date(request: Request) -> None:
    """The `birth_date` filter, when given, must be a date."""
    raw = request.query_params.get("birth_date")
    if raw:
        try:
            date.fromisoformat(raw)
        except ValueError:
            raise invalid({"birth_date": "Must be a date, YYYY-MM-DD"}) from None


def _contact_or_404(request: Request) -> Contact:
    record = list_or_404(request)
    contact = sandbox_of(request).find_contact(record.list_id, request.path_params["contact_id"])
    if contact is None:
        raise not_found("Contact not found")
    return contact


def _page(contacts: list[Contact], offset: int, limit: int) -> EncodedJSON:
    items = [render.contact_json(contact) for contact in window(contacts, offset, limit)]
    return EncodedJSON(render.collection_json(items, len(contacts)))


def _traffic(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`utm`, `referrer` and `advertising` as sent (string values only), for the contact's traffic stats."""
    traffic = {}
    for name in _TRAFFIC:
        value = body.get(name)
        if value is not None and not isinstance(value, dict):
            raise invalid({name: "Must be an object"})
        if value:
            traffic[name] = {key: item for key, item in value.items() if isinstance(item, str)}
    return traffic


routes = [
    Route("/lists/{list_id}/contacts", get_all_contacts, methods=["GET"]),
    Route("/lists/{list_id}/contacts", create_contact, methods=["POST"]),
    Route("/lists/{list_id}/contacts/by-field", contact_by_field, methods=["POST"]),
    Route("/lists/{list_id}/contacts/segment/{segment_id}", contacts_by_segment, methods=["GET"]),
    Route("/lists/{list_id}/contacts/{contact_id}", get_contact, methods=["GET"]),
    Route("/lists/{list_id}/contacts/{contact_id}", patch_contact, methods=["PATCH"]),
    Route("/contacts/search", search_contacts, methods=["GET"]),
]
