"""What a tool result looks like on the wire: redacted, bounded, and the same compact JSON as text and data.

- Redacted: every registered secret (API key, webhook secret, bearer token, seal key) is scrubbed from results,
  successes included, by `egoi_mcp.redact`.
- Bounded: at most `MAX_RESULT_BYTES` of text. Strings longer than `MAX_FIELD_CHARS` are cut with a marker; a
  page that would still be larger is cut short by the caller (see `_base.tool`) and says so in `note`.
- Compact: the text content is exactly `structuredContent` as compact JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import mcp.types as types
import pydantic_core
from pydantic import BaseModel

from egoi_mcp.redact import holds_secret, redact, redact_data
from egoi_mcp.untrusted import UNTRUSTED_META

__all__ = [
    "MAX_FIELD_CHARS", "MAX_RESULT_BYTES", "Plain", "bounded_json", "compact_json", "cut_long_strings",
    "items_that_fit", "plain", "to_result",
]  # fmt: skip

MAX_RESULT_BYTES: Final = 256 * 1024
MAX_FIELD_CHARS: Final = 8 * 1024


_COMPACT: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # built once, not per call


def compact_json(data: Any) -> str:
    """`data` as compact JSON, by pydantic-core (three to four times faster than `json` for a page); `json` writes
    what pydantic-core refuses (a lone surrogate). The two differ only in how they spell some floats (`0.00001`
    against `1e-05`): the same numbers."""
    try:
        return pydantic_core.to_json(data).decode()
    except ValueError:
        return _COMPACT.encode(data)


def cut_long_strings(value: Any, limit: int = MAX_FIELD_CHARS) -> Any:
    """The same JSON-like value with every string longer than `limit` cut, ending in a marker saying so."""
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        return f"{value[:limit]}…[cut: {len(value) - limit} more characters]"
    if isinstance(value, dict):
        return {k: cut_long_strings(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [cut_long_strings(item, limit) for item in value]
    return value


def bounded_json(data: Any) -> str:
    """Compact JSON, secrets scrubbed, at most `MAX_RESULT_BYTES`: long strings cut, then trailing items dropped
    (a list keeps its first, newest, items). For resource reads."""
    text = redact(compact_json(data))
    if len(text.encode()) <= MAX_RESULT_BYTES:
        return text
    data = cut_long_strings(data)
    while isinstance(data, list) and len(data) > 1 and len(compact_json(data).encode()) > MAX_RESULT_BYTES:
        data = data[: len(data) // 2]
    return redact(compact_json(data))


@dataclass(frozen=True)
class Plain:
    """A tool's result as JSON-ready data and its compact JSON text (encoded once, used for the size bound and
    as the text content)."""

    data: Any
    text: str


def plain(result: Any, hide: Any = None) -> Plain:
    """A tool's return value as JSON-ready data: null fields left out (but `next_cursor`), and the fields in
    `hide` (a pydantic exclude spec), secrets scrubbed, long strings cut. Each of those walks the data only when
    its text says it must."""
    is_model = isinstance(result, BaseModel)
    data = result.model_dump(mode="json", exclude_none=True, exclude=hide) if is_model else result
    if isinstance(data, dict) and "items" in data:
        data.setdefault("next_cursor", None)
    text = compact_json(data)
    secret = holds_secret(text)
    if secret or (len(text) > MAX_FIELD_CHARS and _holds_long_string(data)):  # none is longer than the whole text
        data = cut_long_strings(redact_data(data) if secret else data)
        text = compact_json(data)
    return Plain(data, text)


def _holds_long_string(value: Any, limit: int = MAX_FIELD_CHARS) -> bool:
    """Whether `cut_long_strings` would cut anything: a look, not a copy (a page of 25 contacts is over 8 KB)."""
    if isinstance(value, str):
        return len(value) > limit
    if isinstance(value, dict):
        for item in value.values():
            if _holds_long_string(item, limit):
                return True
    elif isinstance(value, list):
        for item in value:
            if _holds_long_string(item, limit):
                return True
    return False


def items_that_fit(result: Plain, budget: int = MAX_RESULT_BYTES) -> int | None:
    """For a page over `budget` bytes: how many of its first items fit (at least 1). None when it fits."""
    if len(result.text) * 4 <= budget:  # UTF-8 takes at most 4 bytes a character: no need to encode
        return None
    size = len(result.text.encode())
    if size <= budget:
        return None
    items = (result.data.get("items") if isinstance(result.data, dict) else None) or []
    room = budget - (size - sum(len(compact_json(item).encode()) + 1 for item in items)) - 512  # 512: the note
    count = 0
    for item in items:
        room -= len(compact_json(item).encode()) + 1
        if room < 0:
            break
        count += 1
    return max(count, 1)


def to_result(result: Plain, untrusted: list[str] | None = None) -> types.CallToolResult:
    """The wire result: text and structured content, the same JSON; `untrusted` names its third-party fields."""
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=result.text)],
        structured_content=result.data,
        _meta={UNTRUSTED_META: untrusted} if untrusted else None,
    )
