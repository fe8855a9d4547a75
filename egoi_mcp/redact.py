"""The one redactor: secrets and e-mail addresses never leave the process in clear.

Every secret the process holds (the E-goi API key, the webhook secret, the MCP bearer token, the seal key) is
registered once, where it is read; from then on `redact()` scrubs it from any text (errors, tool results, log
records, resources), including the URL-encoded form an upstream may echo. `mask_emails()` is for logs only:
tool results show the addresses the user asked about.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import quote

REDACTED = "[redacted]"
_MIN_SECRET = 6  # shorter values would scrub ordinary words; no secret we hold is that short

_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None  # every secret, longest first: one pass over a text replaces them all
_in_json: tuple[str, ...] = ()  # every secret as it reads inside a JSON string (and as it is)
_in_bytes: tuple[bytes, ...] = ()  # every secret as UTF-8 bytes
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def register_secret(value: str | None) -> None:
    """Scrub `value` (and its URL-encoded form) from everything `redact()` sees, from now on."""
    global _pattern, _in_json, _in_bytes
    if value is None:
        return
    value = value.strip()
    if len(value) < _MIN_SECRET:
        return
    _secrets.update((value, quote(value, safe="")))
    ordered = sorted(_secrets, key=len, reverse=True)
    _pattern = re.compile("|".join(map(re.escape, ordered)))
    _in_json = tuple({*ordered, *(_JSON.encode(secret)[1:-1] for secret in ordered)})  # `"`, `\\` escaped
    _in_bytes = tuple(secret.encode() for secret in ordered)


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `[redacted]`."""
    return _pattern.sub(REDACTED, text) if _pattern is not None else text


def holds_secret(json_text: str) -> bool:
    """Whether JSON text (as `json.dumps(..., ensure_ascii=False)` writes it) may hold a registered secret: a
    substring search per secret that spares walking data that holds none (a false alarm only costs that walk)."""
    return any(form in json_text for form in _in_json)


def redact_data(value: Any) -> Any:
    """The same JSON-like value with every registered secret scrubbed from its strings (keys included).

    Data holding no secret (the common case, found with one encoding and a search) is returned as it is."""
    if _pattern is None:
        return value
    if isinstance(value, str):
        return redact(value)
    try:
        if not holds_secret(_JSON.encode(value)):
            return value
    except (TypeError, ValueError):  # not JSON data: walk it
        pass
    return _walk(value)


def redact_decoded(body: bytes, value: Any) -> Any:
    """`redact_data(value)` for a `value` just decoded from the JSON `body`. A UTF-8 body without escapes (no
    backslash, no NUL byte of UTF-16 or UTF-32) holds its strings as they are: it is searched as received, and
    nothing is encoded again."""
    if _pattern is None:
        return value
    if b"\\" in body or b"\x00" in body:
        return redact_data(value)
    return _walk(value) if any(secret in body for secret in _in_bytes) else value


def _walk(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {_walk(k): _walk(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(item) for item in value]
    return value


def mask_email(email: str | None) -> str:
    """`j***@example.com`: enough to tell contacts apart in a log, not enough to mail them."""
    if not email:
        return "-"
    local, _, domain = email.rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_emails(text: str) -> str:
    """Every e-mail-like run in `text` masked as `j***@example.com`."""
    return _EMAIL.sub(r"\1***@\2", text)
