"""Reading E-goi's JSON bodies without trusting their shape."""

from __future__ import annotations

from typing import Any

__all__ = ["json_object"]


def json_object(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one: E-goi's bodies are read, never crashed on."""
    return value if isinstance(value, dict) else {}
