"""Argument errors a model can act on: one line per bad argument, naming it, what was expected and where a
valid value comes from, under a stable code (no pydantic boilerplate, no documentation URL)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

__all__ = ["argument_errors"]

_CODES = {"missing": "MISSING_ARGUMENT", "extra_forbidden": "UNKNOWN_ARGUMENT"}


def argument_errors(error: ValidationError, schema: dict[str, Any]) -> str:
    """`INVALID_ARGUMENT confirm: expected a JSON boolean (true or false), got 'yes'`, one line per problem."""
    properties = schema.get("properties") or {}
    lines = []
    for problem in error.errors(include_url=False):
        loc = [str(part) for part in problem["loc"]]
        name = loc[0] if loc else "arguments"
        where = ".".join(loc) or "arguments"
        code = _CODES.get(problem["type"], "INVALID_ARGUMENT")
        about = (properties.get(name) or {}).get("description")
        if code == "MISSING_ARGUMENT":
            line = f"{code} {where}: required"
        else:
            line = f"{code} {where}: {_expected(problem)}, got {_shown(problem.get('input'))}"
        lines.append(f"{line}; {about}" if about else line)
    return "\n".join(lines)


def _expected(problem: Any) -> str:
    if problem["type"].startswith("bool"):
        return "expected a JSON boolean (true or false)"
    message = str(problem["msg"])
    return "expected " + message[len("Input should be ") :] if message.startswith("Input should be ") else message


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
