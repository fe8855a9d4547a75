"""A list's extra contact fields: validating a body's `extra` array, and rendering a contact's values.

A body's `extra` is `[{"field_id": int, "value": ...}]`: a field of another list or unknown is 422
`errors.field_not_found` (E-goi's FIELD_NOT_FOUND); a date must be `YYYY-MM-DD`, a number a decimal, an
e-mail an address, an options value a list of the field's option ids (an empty string or list clears it).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from egoi_mcp.sandbox.contact_fields import base_fields
from egoi_mcp.sandbox.models import ExtraField
from egoi_mcp.sandbox.params import EMAIL
from egoi_mcp.sandbox.problems import invalid
from egoi_mcp.sandbox.state import Sandbox

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def fields_of(sandbox: Sandbox, list_id: int) -> list[ExtraField]:
    return sorted((f for f in sandbox.extra_fields.values() if f.list_id == list_id), key=lambda f: f.field_id)


def contact_fields(
    sandbox: Sandbox, list_id: int, body: dict[str, Any], *, statuses: tuple[str, ...], editable_consent: bool
) -> dict[str, Any]:
    """The base fields a body sets, and under `extra` the extra values it sets (when any)."""
    fields = base_fields(body, statuses=statuses, editable_consent=editable_consent)
    extra = extra_values(sandbox, list_id, body)
    return {**fields, "extra": extra} if extra else fields


def extra_values(sandbox: Sandbox, list_id: int, body: dict[str, Any]) -> dict[int, dict[str, Any] | None]:
    """The extra values a body sets, every wrong one reported at once: field id -> the value as the spec's
    `ContactExtraFields` renders it, or None when the body clears it."""
    extra = body.get("extra") or []
    if not isinstance(extra, list):
        raise invalid({"extra": "Must be an array"})
    known = {f.field_id: f for f in fields_of(sandbox, list_id)}  # ids are per list
    values: dict[int, dict[str, Any] | None] = {}
    errors: dict[str, str] = {}
    for entry in extra:
        field_id = entry.get("field_id") if isinstance(entry, dict) else None
        field = known.get(field_id) if isinstance(field_id, int) and not isinstance(field_id, bool) else None
        if field is None or not isinstance(entry, dict):
            errors["field_not_found"] = f"No extra field {field_id!r} in list {list_id}"
            continue
        value, problem = _checked(field, entry.get("value"))
        if problem:
            errors[f"extra_{field.field_id}"] = problem
        else:
            empty = value in ("", [])
            values[field.field_id] = None if empty else {"field_id": field_id, "format": field.format, "value": value}
    if errors:
        raise invalid(errors)
    return values


def _checked(field: ExtraField, value: Any) -> tuple[Any, str | None]:
    if field.format == "options":
        if value in ("", None, []):
            return [], None
        ids = value if isinstance(value, list) else None
        if ids is None or not all(isinstance(i, int) and i in field.options for i in ids):
            return None, f"Must be a list of option ids of {field.name}: {sorted(field.options)}"
        return sorted(set(ids)), None
    if not isinstance(value, str):
        return None, "Must be a string"
    if value == "":
        return "", None
    if field.format == "date":
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "Must be a date, YYYY-MM-DD"
    if field.format == "number" and not _NUMBER.match(value):
        return None, "Must be a number"
    if field.format == "email" and not EMAIL.match(value):
        return None, "Invalid e-mail address"
    return value, None


_BASE = (
    ("first_name", "text", False),
    ("last_name", "text", False),
    ("email", "email", True),
    ("cellphone", "cellphone", False),
    ("phone", "phone", False),
    ("birth_date", "date", False),
    ("language", "text", False),
)


def all_fields(sandbox: Sandbox, list_id: int) -> list[dict[str, Any]]:
    """A list's base and extra fields, as `GET /lists/{id}/fields` answers them."""
    base = [{"field_id": n, "name": n, "format": f, "unique": u, "type": "base"} for n, f, u in _BASE]
    return base + [render_field(field) for field in fields_of(sandbox, list_id)]


def render_field(field: ExtraField) -> dict[str, Any]:
    """An extra field as the spec's `ComplexField` (`field_id` is a string there)."""
    options = [{"option_id": i, "en": label, "pt": label} for i, label in sorted(field.options.items())]
    return {
        "field_id": str(field.field_id),
        "name": field.name,
        "format": field.format,
        "unique": False,
        "type": "extra",
        **({"options": options} if field.format == "options" else {}),
    }
