"""The one redactor: secrets and e-mail addresses never leave the process in clear.

Every secret the process holds (the E-goi API key, the webhook secret, the MCP bearer token, the seal key) is
registered once, where it is read; from then on `redact()` scrubs it from any text (errors, tool results, log
records, resources), including the URL-encoded form an upstream may echo. `mask_emails()` is for logs only:
tool results show the addresses the user asked about.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

REDACTED = "[redacted]"
_MIN_SECRET = 6  # shorter values would scrub ordinary words; no secret we hold is that short

_secrets: set[str] = set()
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def register_secret(value: str | None) -> None:
    """Scrub `value` (and its URL-encoded form) from everything `redact()` sees, from now on."""
    if value is None:
        return
    value = value.strip()
    if len(value) < _MIN_SECRET:
        return
    _secrets.add(value)
    _secrets.add(quote(value, safe=""))


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `[redacted]`."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_data(value: Any) -> Any:
    """The same JSON-like value with every registered secret scrubbed from its strings (keys included)."""
    if not _secrets:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
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
