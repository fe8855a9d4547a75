"""The one mapping from a non-2xx E-goi response to an `EGoiError`.

Everything E-goi says is passed through the one redactor first, so an echoed API key never reaches a message.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from egoi_mcp._json import json_object
from egoi_mcp.errors import (
    AuthError,
    ConflictError,
    EGoiError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    UpstreamError,
    ValidationError,
)
from egoi_mcp.redact import redact_data

# What E-goi calls each thing in the path: used to pick a precise not-found code and message.
_NOT_FOUND_CODES = {
    "list": "LIST_NOT_FOUND",
    "contact": "SUBSCRIBER_NOT_FOUND",
    "tag": "TAG_NOT_FOUND",
    "campaign": "CAMPAIGN_NOT_FOUND",
    "segment": "SEGMENT_NOT_FOUND",
    "webhook": "WEBHOOK_NOT_FOUND",
}

_FIELD_NOT_FOUND = {
    "list_id": "LIST_NOT_FOUND",
    "campaign_hash": "CAMPAIGN_NOT_FOUND",
    "segment_id": "SEGMENT_NOT_FOUND",
    "tag_id": "TAG_NOT_FOUND",
    "contact_id": "SUBSCRIBER_NOT_FOUND",
    "contacts": "SUBSCRIBER_NOT_FOUND",
}
_MISSING = re.compile(r"not found|no such|does not exist|not in list|^no ", re.IGNORECASE)
_CONTACTS_MISSING = re.compile(r"contacts? not found", re.IGNORECASE)  # "Contacts not found in list 1: …"

_CONFLICT_CODES = {
    "unique_field_in_use": ("EMAIL_ALREADY_EXISTS", "a contact with this e-mail already exists in the list"),
    "list_limit_reached": ("NO_MORE_LISTS_ALLOWED", "the account has reached its maximum number of lists"),
    "name_already_exists": ("TAG_ALREADY_EXISTS", "that name is already in use"),
}


def error_from_response(
    response: httpx.Response, *, resource: str | None = None, now: datetime | None = None
) -> EGoiError:
    """Map a non-2xx E-goi response to one of our errors. `resource` names what the path points at."""
    status = response.status_code
    body = _body(response)
    detail = str(body.get("detail") or body.get("title") or "")
    errors = json_object(body.get("errors"))
    if status in (401, 403):
        return AuthError(
            f"E-goi rejected the API key (HTTP {status}): check EGOI_API_KEY, or that the key has access to "
            "this operation in E-goi's API settings",
            status=status,
        )
    if status == 404:
        return _not_found(detail, resource)
    if status == 409:
        return _conflict(errors, detail)
    if status in (400, 413, 422):
        return _invalid(status, errors, detail)
    if status == 429:
        reset = _reset_at(response.headers, now or datetime.now(UTC))
        when = f"; the budget resets at {reset:%H:%M:%S} UTC" if reset else "; try again in a few minutes"
        said = f" (E-goi: {detail})" if detail else ""
        return RateLimitError(f"E-goi's rate limit was reached{when}{said}", reset_at=reset, status=429)
    if status == 408:
        return NetworkError("E-goi timed out processing the request; try again", status=408)
    return UpstreamError(
        f"E-goi answered HTTP {status}{': ' + detail if detail else ''}; try again later", status=status
    )


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return {}
    return json_object(redact_data(data))


def _not_found(detail: str, resource: str | None) -> NotFoundError:
    if _CONTACTS_MISSING.search(detail):  # a bulk action on ids that are not in the list: name them
        return NotFoundError(
            f"E-goi says: {detail}. Check the contact ids with search_contacts (a contact id belongs to one list)",
            code="SUBSCRIBER_NOT_FOUND",
            status=404,
        )
    what = resource or "resource"
    return NotFoundError(
        f"E-goi has no such {what}: check the id (list them with the matching list tool)",
        code=_NOT_FOUND_CODES.get(resource or "", "NOT_FOUND"),
        status=404,
    )


def _first_id(value: Any) -> str | None:
    """E-goi's `errors.contacts` should be a list of ids; a string, number or object is read, never crashed on."""
    if isinstance(value, list | tuple):
        return _first_id(value[0]) if value else None
    if isinstance(value, dict):
        return _first_id(next(iter(value.values()), None))
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    return None


def _conflict(errors: dict[str, Any], detail: str) -> ConflictError:
    for key, (code, text) in _CONFLICT_CODES.items():
        if key in errors:
            field = str(errors.get("field_id") or "email")
            if key == "unique_field_in_use" and field != "email":
                code, text = "CONFLICT", f"a contact with this {field} already exists in the list"
            existing = _first_id(errors.get("contacts"))
            hint = f" (existing contact_id {existing}; update it instead)" if existing else ""
            return ConflictError(text + hint, code=code, existing_id=existing, status=409)
    reasons = "; ".join(str(v) for v in errors.values() if v not in (None, "", [], {})) or detail or "conflict"
    return ConflictError(f"E-goi refused the change: {reasons}", status=409)


def _invalid(status: int, errors: dict[str, Any], detail: str) -> ValidationError:
    fields = {str(k): str(v) for k, v in errors.items()}
    listed = "; ".join(f"{k}: {v}" for k, v in fields.items())
    code = "VALIDATION_ERROR"
    if any("email" in k for k in fields):
        code = "EMAIL_ADDRESS_INVALID"
    else:
        # E-goi documents no 404 for several writes: an unknown id comes back as a field error.
        for field, message in fields.items():
            if field in _FIELD_NOT_FOUND and _MISSING.search(message):
                code = _FIELD_NOT_FOUND[field]
                break
    if code.endswith("_NOT_FOUND"):
        hint = "check the id with the matching list tool"
    elif fields:
        hint = "correct these fields and call again"
    else:
        hint = "check the arguments; if they look right, E-goi may not support this request for the account"
    return ValidationError(
        f"E-goi rejected the request: {listed or detail or 'invalid input'}; {hint}",
        code=code,
        field_errors=fields,
        status=status,
    )


def _reset_at(headers: httpx.Headers, now: datetime) -> datetime | None:
    # The budget that ran out (remaining 0) decides when we may call again; then whichever reset is given.
    names = ("x-ratelimit-reset", "x-account-reset", "retry-after")
    exhausted = [n for n in names[:2] if (headers.get(n.replace("-reset", "-remaining")) or "").strip() == "0"]
    for name in (*exhausted, *names):
        value = headers.get(name)
        if value and value.strip().isascii() and value.strip().isdigit():
            try:
                return datetime.fromtimestamp(now.timestamp() + int(value), UTC)
            except (OverflowError, ValueError, OSError):
                return None  # a reset past year 9999 tells us nothing usable
    return None
