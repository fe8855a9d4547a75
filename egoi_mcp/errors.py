"""Every error egoi-mcp raises, and the one mapping from an E-goi HTTP response to them.

Each error has a stable `code` (the seed's vocabulary where one fits) and a message a person can act on.
Messages never contain the API key: `redact()` scrubs it even when the upstream echoes it back.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx


class EGoiError(Exception):
    """Base class. `code` is stable; `status` is the upstream HTTP status when there was one."""

    code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.status = status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidArgumentError(EGoiError):
    """Rejected before any upstream call: the arguments cannot be right."""

    code = "INVALID_ARGUMENT"


class AuthError(EGoiError):
    code = "NO_ACCESS"


class NotFoundError(EGoiError):
    code = "NOT_FOUND"


class ConflictError(EGoiError):
    """409. `existing_id` is the contact that already holds a unique field (E-goi's `errors.contacts[0]`)."""

    code = "CONFLICT"

    def __init__(self, message: str, *, existing_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.existing_id = existing_id


class ValidationError(EGoiError):
    """400/422 from E-goi; `field_errors` maps a field to what is wrong with it."""

    code = "VALIDATION_ERROR"

    def __init__(self, message: str, *, field_errors: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field_errors = field_errors or {}


class RateLimitError(EGoiError):
    """The request budget is spent. `reset_at` says when it comes back."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, reset_at: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reset_at = reset_at


class UpstreamError(EGoiError):
    """E-goi answered 5xx, or something we cannot read."""

    code = "INTERNAL_ERROR"


class NetworkError(EGoiError):
    """E-goi could not be reached, or did not answer in time."""

    code = "NETWORK_ERROR"


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
_MISSING = re.compile(r"not found|no such|does not exist|^no ", re.IGNORECASE)

_CONFLICT_CODES = {
    "unique_field_in_use": ("EMAIL_ALREADY_EXISTS", "a contact with this e-mail already exists in the list"),
    "list_limit_reached": ("NO_MORE_LISTS_ALLOWED", "the account has reached its maximum number of lists"),
    "name_already_exists": ("TAG_ALREADY_EXISTS", "that name is already in use"),
}


def redact(text: str, secret: str | None) -> str:
    """Remove every occurrence of `secret` from `text`."""
    if secret and len(secret) >= 4:
        return text.replace(secret, "***")
    return text


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _reset_at(headers: httpx.Headers) -> datetime | None:
    # The budget that ran out (remaining 0) decides when we may call again; then whichever reset is given.
    names = ("x-ratelimit-reset", "x-account-reset", "retry-after")
    exhausted = [n for n in names[:2] if (headers.get(n.replace("-reset", "-remaining")) or "").strip() == "0"]
    for name in (*exhausted, *names):
        value = headers.get(name)
        if value and value.strip().isascii() and value.strip().isdigit():
            return datetime.fromtimestamp(datetime.now(UTC).timestamp() + int(value), UTC)
    return None


def error_from_response(
    response: httpx.Response, *, resource: str | None = None, api_key: str | None = None
) -> EGoiError:
    """Map a non-2xx E-goi response to one of our errors. `resource` names what the path points at."""
    status = response.status_code
    body = _body(response)
    detail = redact(str(body.get("detail") or body.get("title") or ""), api_key)
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}

    if status in (401, 403):
        return AuthError(
            f"E-goi rejected the API key (HTTP {status}): check EGOI_API_KEY, or that the key has access to "
            "this operation in E-goi's API settings",
            status=status,
        )
    if status == 404:
        code = _NOT_FOUND_CODES.get(resource or "", "NOT_FOUND")
        what = resource or "resource"
        return NotFoundError(
            f"E-goi has no such {what}: check the id (list them with the matching list tool)",
            code=code,
            status=404,
        )
    if status == 409:
        for key, (code, text) in _CONFLICT_CODES.items():
            if key in errors:
                field = str(errors.get("field_id") or "email")
                if key == "unique_field_in_use" and field != "email":
                    code, text = "CONFLICT", f"a contact with this {field} already exists in the list"
                contacts = errors.get("contacts") or []
                existing = str(contacts[0]) if contacts else None
                hint = f" (existing contact_id {existing}; update it instead)" if existing else ""
                return ConflictError(text + hint, code=code, existing_id=existing, status=409)
        reasons = "; ".join(redact(str(v), api_key) for v in errors.values()) or detail or "conflict"
        return ConflictError(f"E-goi refused the change: {reasons}", status=409)
    if status in (400, 413, 422):
        fields = {redact(str(k), api_key): redact(str(v), api_key) for k, v in errors.items()}
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
    if status == 429:
        reset = _reset_at(response.headers)
        when = f"; the budget resets at {reset:%H:%M:%S} UTC" if reset else "; try again in a few minutes"
        return RateLimitError(f"E-goi's rate limit was reached{when}", reset_at=reset, status=429)
    if status == 408:
        return NetworkError("E-goi timed out processing the request; try again", status=408)
    return UpstreamError(
        f"E-goi answered HTTP {status}{': ' + detail if detail else ''}; try again later", status=status
    )
