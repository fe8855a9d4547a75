"""Reading requests: path ids, query parameters, paging and JSON bodies, with the spec's errors.

Bad query parameters answer 422 (the status every collection endpoint documents); a body that is not a
JSON object answers 400; a body whose fields are wrong answers 422 with `errors` naming each field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from starlette.requests import Request

from egoi_mcp.sandbox.problems import bad_request, invalid

MAX_LIMIT = 1000
ORDER = ("asc", "desc")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\d{1,3}-\d{4,20}$")
CONTACT_ID = re.compile(r"^[a-fA-F\d]{10}$")

T = TypeVar("T")


def path_id(request: Request, name: str) -> int | None:
    """An integer id from the path, or None when it is not a positive integer (so: no such thing)."""
    raw = request.path_params[name]
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def integer(request: Request, name: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid({name: "Must be an integer"}) from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise invalid({name: f"Must be {bounds}"})
    return value


def paging(request: Request, *, default_limit: int = 10) -> tuple[int, int]:
    """`offset` (>= 0, default 0) and `limit` (1..1000)."""
    offset = integer(request, "offset", default=0, minimum=0)
    limit = integer(request, "limit", default=default_limit, minimum=1, maximum=MAX_LIMIT)
    return offset, limit


def choice(request: Request, name: str, options: Sequence[str], default: str | None = None) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw not in options:
        raise invalid({name: f"Must be one of: {', '.join(options)}"})
    return raw


def flag(request: Request, name: str, *, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise invalid({name: "Must be true or false"})


def window(items: list[T], offset: int, limit: int) -> list[T]:
    return items[offset : offset + limit]


async def read_object(request: Request) -> dict[str, Any]:
    """The JSON object in the body; 400 when the body is missing, malformed or not an object."""
    raw = await request.body()
    if not raw.strip():
        raise bad_request("The request body is empty", {"body": "A JSON object is required"})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("The request body is not valid JSON", {"body": f"Malformed JSON: {exc}"}) from None
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object", {"body": "A JSON object is required"})
    return data


def contact_ids(value: Any, name: str = "contacts") -> list[str]:
    """A non-empty array of at most 1000 unique contact ids (10 hexadecimal characters), lowercased."""
    if not isinstance(value, list) or not value:
        raise invalid({name: "Must be a non-empty array"})
    if len(value) > MAX_LIMIT:
        raise invalid({name: f"At most {MAX_LIMIT} items are allowed"})
    if not all(isinstance(item, str) and CONTACT_ID.match(item) for item in value):
        raise invalid({name: "Every item must be a contact id (10 hexadecimal characters)"})
    if len({item.lower() for item in value}) != len(value):
        raise invalid({name: "Items must be unique"})
    return [item.lower() for item in value]


def positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid({name: "Must be a positive integer"})
    return value
