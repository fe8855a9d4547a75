"""`/lists/{list_id}/contacts/actions/*`: bulk update, forget, unsubscribe, tags, (de)activate.

Unknown contact ids, segments or tags answer 404 where the operation documents it. `forget` and
`unsubscribe` document no 404: an unknown list there is a 422 on `list_id`; unknown contacts are a 422
on `contacts` for forget, and `errors.contact_not_in_list` in unsubscribe's 200 answer.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from egoi_mcp.sandbox import segments
from egoi_mcp.sandbox.contact_fields import ALL_STATUSES
from egoi_mcp.sandbox.endpoints._common import list_or_404, list_or_422, sandbox_of
from egoi_mcp.sandbox.extra_fields import contact_fields
from egoi_mcp.sandbox.models import Contact, MailingList
from egoi_mcp.sandbox.params import contact_ids, positive_int, read_object
from egoi_mcp.sandbox.problems import conflict, invalid, not_found
from egoi_mcp.sandbox.responses import JSONResponse
from egoi_mcp.sandbox.state import UNIQUE_FIELD_IN_USE, Sandbox

ACCEPTED = {"result": "success"}

UNSUBSCRIPTION_METHODS = ("manual", "form", "unsubscribe_link", "bounce", "api")
UNSUBSCRIPTION_REASONS = ("not_interested", "lack_of_time", "email_address_change", "spam", "other")
_FIELD_LOOKUPS = ("email", "cellphone", "phone")


async def update_contacts(request: Request) -> JSONResponse:
    record = list_or_404(request)
    body = await read_object(request)
    kind = _kind(body, ("contacts", "segment", "all"))
    sandbox = sandbox_of(request)
    if kind == "contacts":
        targets = _by_ids(sandbox, record, contact_ids(body.get("contacts")))
    elif kind == "segment":
        targets = _by_segment(sandbox, record, body.get("segment_id"))
    else:
        targets = sandbox.contacts_of(record.list_id)
    fields = contact_fields(sandbox, record.list_id, body, statuses=ALL_STATUSES, editable_consent=True)
    if "email" in fields:
        raise conflict(
            "A unique field cannot be set on many contacts at once",
            {"unique_field_in_use": UNIQUE_FIELD_IN_USE, "field_id": "email"},
        )
    if not fields:
        raise invalid({"base": "Nothing to update: give at least one field"})
    sandbox.update_contacts(targets, fields)
    return JSONResponse(ACCEPTED, status_code=202)


async def forget_contacts(request: Request) -> JSONResponse:
    record = list_or_422(request)
    body = await read_object(request)
    ids = contact_ids(body.get("contacts"))
    sandbox = sandbox_of(request)
    missing = [contact_id for contact_id in ids if sandbox.find_contact(record.list_id, contact_id) is None]
    if missing:
        raise invalid({"contacts": f"Not in list {record.list_id}: {', '.join(missing)}"})
    sandbox.forget(sandbox.contacts[contact_id] for contact_id in ids)
    return JSONResponse(ACCEPTED, status_code=202)


async def unsubscribe_contacts(request: Request) -> JSONResponse:
    record = list_or_422(request)
    body = await read_object(request)
    data = body.get("data")
    if not isinstance(data, list) or not data:
        raise invalid({"data": "Must be a non-empty array of {contact_id, unsubscription_method, ...}"})
    sandbox = sandbox_of(request)
    errors: dict[str, list[str]] = {
        "invalid_unsubscription_reason": [],
        "invalid_unsubscription_method": [],
        "invalid_data_type": [],
        "contact_not_in_list": [],
        "contact_already_removed": [],
    }
    accepted: dict[str, tuple[Contact, str, str, str]] = {}
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("contact_id"), str):
            continue  # nothing to report it under: every error list holds contact ids
        contact_id = item["contact_id"].lower()
        problem = _unsubscribe_problem(sandbox, record, item)
        if problem:
            errors[problem].append(item["contact_id"])
        elif contact_id not in accepted:
            accepted[contact_id] = (
                sandbox.contacts[contact_id],
                item.get("unsubscription_method") or "api",
                item.get("unsubscription_reason") or "",
                item.get("unsubscription_observation") or "",
            )
    sandbox.unsubscribe(accepted.values())
    return JSONResponse({"success": list(accepted), "errors": errors})


async def attach_tag(request: Request) -> JSONResponse:
    return await _tag(request, attach=True)


async def detach_tag(request: Request) -> JSONResponse:
    return await _tag(request, attach=False)


async def activate_contacts(request: Request) -> JSONResponse:
    return await _set_status(request, "active")


async def deactivate_contacts(request: Request) -> JSONResponse:
    return await _set_status(request, "inactive")


async def _tag(request: Request, *, attach: bool) -> JSONResponse:
    record = list_or_404(request)
    body = await read_object(request)
    tag_id = positive_int(body.get("tag_id"), "tag_id")
    sandbox = sandbox_of(request)
    if tag_id not in sandbox.tags:
        raise not_found("Tag not found")
    if "segment_id" in body:
        targets = _by_segment(sandbox, record, body["segment_id"])
    elif "field_id" in body:
        targets = _by_field(sandbox, record, body["field_id"], body.get("contacts"))
    elif "contacts" in body:
        targets = _by_ids(sandbox, record, contact_ids(body["contacts"]))
    else:
        raise invalid({"contacts": "Give contacts, segment_id, or field_id with contacts"})
    sandbox.set_tag(targets, tag_id, attach=attach)
    return JSONResponse(ACCEPTED, status_code=202)


async def _set_status(request: Request, status: str) -> JSONResponse:
    record = list_or_404(request)
    body = await read_object(request)
    sandbox = sandbox_of(request)
    if _kind(body, ("all", "contacts")) == "all":
        targets = sandbox.contacts_of(record.list_id)
    else:
        targets = _by_ids(sandbox, record, contact_ids(body.get("contacts")))
    sandbox.set_status(targets, status)
    return JSONResponse(ACCEPTED, status_code=202)


def _kind(body: dict[str, Any], kinds: tuple[str, ...]) -> str:
    kind = body.get("type")
    if kind not in kinds:
        raise invalid({"type": f"Must be one of: {', '.join(kinds)}"})
    return str(kind)


def _by_ids(sandbox: Sandbox, record: MailingList, ids: list[str]) -> list[Contact]:
    found = [sandbox.find_contact(record.list_id, contact_id) for contact_id in ids]
    missing = [contact_id for contact_id, contact in zip(ids, found, strict=True) if contact is None]
    if missing:
        raise not_found(f"Contacts not found in list {record.list_id}: {', '.join(missing)}")
    return [contact for contact in found if contact is not None]


def _by_segment(sandbox: Sandbox, record: MailingList, segment_id: Any) -> list[Contact]:
    if not isinstance(segment_id, str) or not segment_id:
        raise invalid({"segment_id": "Must be a segment id"})
    found = segments.members(sandbox, record.list_id, segment_id)
    if found is None:
        raise not_found("Segment not found")
    return found


def _by_field(sandbox: Sandbox, record: MailingList, field_id: Any, values: Any) -> list[Contact]:
    if field_id not in _FIELD_LOOKUPS:
        raise invalid({"field_id": f"Must be one of: {', '.join(_FIELD_LOOKUPS)}"})
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise invalid({"contacts": f"Must be a non-empty array of {field_id} values"})
    found = [sandbox.find_by(record.list_id, field_id, value) for value in values]
    missing = [value for value, contact in zip(values, found, strict=True) if contact is None]
    if missing:
        raise not_found(f"No contact in list {record.list_id} has {field_id} {', '.join(missing)}")
    return [contact for contact in found if contact is not None]


def _unsubscribe_problem(sandbox: Sandbox, record: MailingList, item: dict[str, Any]) -> str | None:
    method = item.get("unsubscription_method")
    reason = item.get("unsubscription_reason")
    if method is not None and method not in UNSUBSCRIPTION_METHODS:
        return "invalid_unsubscription_method"
    if reason is not None and reason not in UNSUBSCRIPTION_REASONS:
        return "invalid_unsubscription_reason"
    if not isinstance(item.get("unsubscription_observation", ""), str):
        return "invalid_data_type"
    contact = sandbox.find_contact(record.list_id, item["contact_id"])
    if contact is None:
        return "contact_not_in_list"
    if contact.status == "removed":
        return "contact_already_removed"
    return None


routes = [
    Route("/lists/{list_id}/contacts/actions/update", update_contacts, methods=["POST"]),
    Route("/lists/{list_id}/contacts/actions/forget", forget_contacts, methods=["POST"]),
    Route("/lists/{list_id}/contacts/actions/unsubscribe", unsubscribe_contacts, methods=["POST"]),
    Route("/lists/{list_id}/contacts/actions/attach-tag", attach_tag, methods=["POST"]),
    Route("/lists/{list_id}/contacts/actions/detach-tag", detach_tag, methods=["POST"]),
    Route("/lists/{list_id}/contacts/actions/activate", activate_contacts, methods=["POST"]),
    Route("/lists/{list_id}/contacts/actions/deactivate", deactivate_contacts, methods=["POST"]),
]
