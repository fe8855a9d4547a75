"""What a tool result looks like on the wire: redacted, bounded, and the same compact JSON as text and data.

- Redacted: every registered secret (API key, webhook secret, bearer token, seal key) is scrubbed from results,
  successes included, by `egoi_mcp.redact`.
- Bounded: at most `MAX_RESULT_BYTES` of text. Strings longer than `MAX_FIELD_CHARS` are cut with a marker; a
  page that would still be larger is cut short by the caller (see `_base.tool`) and says so in `note`.
- Compact: the text content is exactly `structuredContent` as compact JSON.
"""

from __future__ import annotations

import json
from typing import Any, Final

import mcp.types as types
from pydantic import BaseModel

from egoi_mcp.redact import redact_data

__all__ = ["MAX_FIELD_CHARS", "MAX_RESULT_BYTES", "compact_json", "cut_long_strings", "items_that_fit", "to_result"]

MAX_RESULT_BYTES: Final = 256 * 1024
MAX_FIELD_CHARS: Final = 8 * 1024


def compact_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


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


def plain(result: Any) -> Any:
    """A tool's return value as JSON-ready data: null fields left out (but `next_cursor`), secrets scrubbed,
    long strings cut."""
    data = result.model_dump(mode="json", exclude_none=True) if isinstance(result, BaseModel) else result
    if isinstance(data, dict) and "items" in data:
        data.setdefault("next_cursor", None)
    return cut_long_strings(redact_data(data))


def items_that_fit(data: dict[str, Any], budget: int = MAX_RESULT_BYTES) -> int | None:
    """For a page over `budget` bytes: how many of its first items fit (at least 1). None when it fits."""
    size = len(compact_json(data).encode())
    if size <= budget:
        return None
    items = data.get("items") or []
    room = budget - (size - sum(len(compact_json(item).encode()) + 1 for item in items)) - 512  # 512: the note
    count = 0
    for item in items:
        room -= len(compact_json(item).encode()) + 1
        if room < 0:
            break
        count += 1
    return max(count, 1)


def to_result(data: Any) -> types.CallToolResult:
    """The wire result for already-plain `data`: text and structured content, the same JSON."""
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=compact_json(data))], structured_content=data
    )
