"""Argument errors a model can act on: one line per bad argument, naming it, what was expected and where a
valid value comes from, under a stable code (no pydantic boilerplate, no documentation URL)."""

from __future__ import annotations

from typing import Any, Final

from pydantic import ValidationError

from egoi_mcp.untrusted import quote

__all__ = ["argument_errors", "out_of_range", "unknown_arguments"]

# What no tool argument may hold, whatever its schema says: E-goi's ids and counts are 32-bit, and a NUL
# character is accepted by neither E-goi nor PostgreSQL.
INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1

_CODES = {"missing": "MISSING_ARGUMENT", "extra_forbidden": "UNKNOWN_ARGUMENT"}
_WHERE = {  # where a valid value comes from, for the arguments whose schema does not say
    "contact_id": "a contact_id from egoi_search_contacts (10 hex characters, of that list)",
    "contact_ids": "contact_ids from egoi_search_contacts (10 hex characters, of that list)",
    "list_id": "a list id from egoi_list_lists",
    "campaign_id": "a campaign id (hash) from egoi_list_campaigns",
    "segment_id": "a segment id from egoi_list_segments",
    "send_at": "an ISO date-time in the future, e.g. 2026-12-01T18:00:00+00:00",
    "tag_id": "a tag id from egoi_list_tags",
    "webhook_id": "a webhook id from egoi_list_webhooks",
    "cursor": "the next_cursor of the previous page",
    "limit": "a page size from 1 to 100",
    "confirm_token": "the confirm_token in the preview's call_again_with",
    "confirm": "true only with the confirm_token of the preview's call_again_with",
    "trigger": "a trigger name, as the server instructions list them",
}


# The names a model guesses for a parameter that has another name here.
_ALIASES: Final = {"email": "contact", "contact_email": "contact", "tag_name": "tag", "campaign": "campaign_id",
                   "segment": "segment_id", "list": "list_id", "page_size": "limit", "page": "cursor"}  # fmt: skip


def argument_errors(error: ValidationError, schema: dict[str, Any], *, tool: str = "this tool") -> str:
    """`INVALID_ARGUMENT confirm: expected a JSON boolean (true or false), got "yes"`, one line per problem."""
    properties = schema.get("properties") or {}
    lines = []
    for problem in error.errors(include_url=False):
        loc = [str(part) for part in problem["loc"]]
        name = loc[0] if loc else "arguments"
        where = ".".join(loc) or "arguments"
        code = _CODES.get(problem["type"], "INVALID_ARGUMENT")
        about = (properties.get(name) or {}).get("description") or _WHERE.get(name)
        if code == "UNKNOWN_ARGUMENT":
            lines.append(_unknown(tool, name, list(properties)))
            continue
        if code == "MISSING_ARGUMENT":
            line = f"{code} {where}: required"
        else:
            line = f"{code} {where}: {_expected(problem)}, got {_shown(problem.get('input'))}"
        lines.append(f"{line}; {about}" if about else line)
    return "\n".join(lines)


def unknown_arguments(tool: str, arguments: dict[str, Any], schema: dict[str, Any]) -> str | None:
    """`UNKNOWN_ARGUMENT …` lines for the arguments `tool`'s schema does not have (a guessed name must not be
    silently dropped); None when every one is known."""
    valid = list(schema.get("properties") or {})
    lines = [_unknown(tool, str(name), valid) for name in arguments if name not in valid]
    return "\n".join(lines[:10]) or None


def out_of_range(arguments: dict[str, Any]) -> str | None:
    """`INVALID_ARGUMENT …` lines for the numbers beyond 32 bits and the strings holding NUL, anywhere in
    `arguments` (nested lists and objects included); None when there are none."""
    lines = [line for name, value in arguments.items() for line in _extremes(str(name), value)]
    return "\n".join(lines[:10]) or None


def _extremes(where: str, value: Any) -> list[str]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        return [f"INVALID_ARGUMENT {where}: expected a number from {INT_MIN} to {INT_MAX}, got {_shown(value)}"]
    if isinstance(value, float) and not INT_MIN <= value <= INT_MAX:
        return [f"INVALID_ARGUMENT {where}: expected a number from {INT_MIN} to {INT_MAX}, got {_shown(value)}"]
    if isinstance(value, str) and "\x00" in value:
        return [f"INVALID_ARGUMENT {where}: the NUL character is not allowed"]
    if isinstance(value, list):
        return [line for i, item in enumerate(value[:1000]) for line in _extremes(f"{where}.{i}", item)]
    if isinstance(value, dict):
        return [line for k, v in list(value.items())[:1000] for line in _extremes(f"{where}.{k}", v)]
    return []


def _unknown(tool: str, name: str, valid: list[str]) -> str:
    """An argument the tool does not have: refused (a guessed name must not be silently dropped), with the
    likeliest meant one and the valid ones."""
    guess = _ALIASES.get(name) if _ALIASES.get(name) in valid else None
    import difflib  # only an unknown name needs it

    guess = guess or next(iter(difflib.get_close_matches(name, valid, n=1, cutoff=0.75)), None)
    meant = f"; did you mean {guess!r}?" if guess else "."
    shown = name if len(name) <= 40 else name[:37] + "..."
    return f"UNKNOWN_ARGUMENT {shown!r}: {tool} has no such parameter{meant} It takes: {', '.join(valid) or 'none'}"


def _expected(problem: Any) -> str:
    if problem["type"].startswith("bool"):
        return "expected a JSON boolean (true or false)"
    message = str(problem["msg"])
    return "expected " + message[len("Input should be ") :] if message.startswith("Input should be ") else message


def _shown(value: Any) -> str:
    """The value given: a string quoted as any text from outside is (`untrusted.quote`: it may repeat a name a
    stranger wrote), anything else as its repr, cut."""
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, int) and abs(value) >= 2**64:  # its digits may be too many to print at all
        return f"a number of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
