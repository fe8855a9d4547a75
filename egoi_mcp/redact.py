"""The one redactor: secrets and e-mail addresses never leave the process in clear.

Every secret the process holds (the E-goi API key, the webhook secret, the MCP bearer token, the seal key, a
database password) is registered once, where it is read; from then on `redact()` scrubs it from any text
(errors, tool results, log records, resources) in every spelling a server may echo: in any letter case,
percent-encoded once or twice (upper- or lower-hex, some characters or all of them), as hex, and as base64
(standard or URL-safe, at any alignment inside a longer base64 text). PostgreSQL URLs have their user info and
`password` parameter masked. `mask_emails()` is for logs only: tool results show the addresses the user asked
about.

Cost: the spellings are worked out once per secret. A text is first searched for them as plain substrings,
after one lower-casing (and, only when it holds a `%`, percent-decoding twice); the regular expression that
replaces runs only on the rare text that holds a secret.
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlsplit

REDACTED = "[redacted]"
_MIN_SECRET = 6  # shorter values would scrub ordinary words; no secret we hold is that short
_MIN_FORM = 12  # a derived spelling (a base64 run) shorter than this would match by chance

_forms: set[str] = set()  # every spelling of every secret, lower-cased: what the fast search looks for
_needles: tuple[str, ...] = ()  # _forms, longest first
_searched: tuple[str, ...] = ()  # _forms without those holding another: enough to tell whether any is there
_in_json: tuple[str, ...] = ()  # every secret as it reads inside JSON text (`"`, `\\` escaped), lower-cased
_in_bytes: tuple[bytes, ...] = ()  # _searched as UTF-8 bytes
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_DB_USERINFO = re.compile(r"(postgres(?:ql)?://)(?!user:password@)[^@/\s'\"]*@", re.IGNORECASE)  # not a hint
_DB_PASSWORD = re.compile(r"(password\s*=\s*)[^&\s'\",;)]+", re.IGNORECASE)  # a URL parameter, a conninfo word
_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def register_secret(value: str | None, *, encoded: bool = True) -> None:
    """Scrub `value`, in every spelling, from everything `redact()` sees, from now on. `encoded=False` leaves out
    its hex and base64 forms (a secret never sent upstream, where nothing would encode it: fewer forms to search)."""
    global _needles, _searched, _in_json, _in_bytes
    if value is None:
        return
    value = value.strip()
    if len(value) < _MIN_SECRET:
        return
    _forms.update(_spellings(value) if encoded else {value.lower()})
    _needles = tuple(sorted(_forms, key=len, reverse=True))
    _searched = _shortest(_needles)
    _in_json = _shortest({*_searched, *(_JSON.encode(form)[1:-1] for form in _searched)})
    _in_bytes = tuple(form.encode() for form in _searched)


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `[redacted]`, and database URLs masked."""
    lowered = text.lower()
    if "postgres" in lowered or "password=" in lowered:
        text = _mask_db_urls(text)
    if not _needles:
        return text
    haystack = _haystack(text) if "%" in text else lowered
    if not any(form in haystack for form in _searched):
        return text
    pattern = _pattern(_found(haystack))
    text = pattern.sub(REDACTED, text)
    if "%" in text and any(form in _haystack(text) for form in _searched):  # a spelling the pattern misses
        text = pattern.sub(REDACTED, unquote(unquote(text)))
    return text


def holds_secret(json_text: str) -> bool:
    """Whether JSON text (as `json.dumps(..., ensure_ascii=False)` writes it) may hold a registered secret: a
    substring search per spelling that spares walking data that holds none (a false alarm only costs that walk)."""
    haystack = _haystack(json_text)
    return any(form in haystack for form in _in_json)


def redact_data(value: Any) -> Any:
    """The same JSON-like value with every registered secret scrubbed from its strings (keys included).

    Data holding no secret (the common case, found with one encoding and a search) is returned as it is."""
    if not _needles:
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
    if not _needles:
        return value
    if b"\\" in body or b"\x00" in body:
        return redact_data(value)
    haystack = unquote_to_bytes(unquote_to_bytes(body)) if b"%" in body else body
    haystack = haystack.lower()
    return _walk(value) if any(form in haystack for form in _in_bytes) else value


def mask_db_url(url: str) -> str:
    """A PostgreSQL URL with its user info and `password` parameter masked (`postgresql://***@host/db`)."""
    return _mask_db_urls(url)


def db_passwords(db: object) -> list[str]:
    """The passwords a PostgreSQL URL carries (in its user info, in its `password` parameter): to register."""
    if not isinstance(db, str) or not db.lower().startswith(("postgres://", "postgresql://")):
        return []
    parts = urlsplit(db)
    found = [unquote(parts.password)] if parts.password else []
    return found + [value for key, value in parse_qsl(parts.query) if key.lower() == "password"]


def _mask_db_urls(text: str) -> str:
    text = _DB_USERINFO.sub(r"\1***@", text)
    return _DB_PASSWORD.sub(r"\1***", text)


def _haystack(text: str) -> str:
    """What the fast search looks in: `text` percent-decoded twice (when it holds a `%`), lower-cased."""
    return (unquote(unquote(text)) if "%" in text else text).lower()


def _shortest(forms: Any) -> tuple[str, ...]:
    """`forms` without those that hold another: searching for the others finds every text that holds them."""
    ordered = sorted(set(forms), key=len)
    return tuple(form for i, form in enumerate(ordered) if not any(shorter in form for shorter in ordered[:i]))


def _found(haystack: str) -> tuple[str, ...]:
    return tuple(form for form in _needles if form in haystack)


def _spellings(secret: str) -> set[str]:
    """The secret's base forms, lower-cased: as it is, hex, and base64 (each percent-spelling is the regex's)."""
    raw = secret.encode()
    forms = {secret, raw.hex()}
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode()
        forms.update((whole, whole.rstrip("=")))
        for before in (1, 2):  # the secret inside a longer base64 text, one or two bytes into a 3-byte group
            shifted = encode(b"\x00" * before + raw).decode()
            forms.add(shifted[4 : 4 * ((before + len(raw)) // 3)])
        forms.add(whole[: 4 * (len(raw) // 3)])  # followed by more bytes
    return {form.lower() for form in forms if len(form) >= min(_MIN_FORM, len(secret))}


@cache
def _pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive pass replacing `forms` (longest first), each character as it is or percent-encoded
    once or twice."""
    return re.compile("|".join("".join(map(_any_spelling, form)) for form in forms), re.IGNORECASE)


def _any_spelling(char: str) -> str:
    once = "".join(f"%{byte:02x}" for byte in char.encode())
    twice = once.replace("%", "%25")
    return f"(?:{re.escape(char)}|{once}|{twice})"


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
