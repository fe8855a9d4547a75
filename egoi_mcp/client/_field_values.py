"""Extra field values by name: `{name: value}` to E-goi's `extra` array, and a contact's `extra` back to names.

A field is named by its name (any case) or its id (`7` or `extra_7`); an options field takes a label (or a
list of labels), a date `YYYY-MM-DD`, a number a decimal; an unknown name is refused with the valid ones
listed, a base field with the parameter that sets it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.untrusted import quote

if TYPE_CHECKING:
    from egoi_mcp.client._fields import ListField

FieldValue = str | int | float | list[str]

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def extra_entries(list_id: int, fields: list[ListField], values: dict[str, FieldValue]) -> list[dict[str, Any]]:
    extras = [f for f in fields if f.type == "extra"]
    entries = []
    for key, value in values.items():
        field = _find(extras, key)
        if field is None:
            base = next((f for f in fields if f.type == "base" and f.name.casefold() == key.casefold()), None)
            hint = f" ({quote(base.name)} is a base field: use its own parameter)" if base else ""
            valid = ", ".join(quote(f.name) for f in extras) or "none"
            raise InvalidArgumentError(
                f"list {list_id} has no field {quote(key)}{hint}; its fields are: {valid}", code="FIELD_NOT_FOUND"
            )
        entries.append({"field_id": int(field.id), "value": _value(field, value)})
    return entries


def _find(extras: list[ListField], key: str) -> ListField | None:
    wanted = key.strip().casefold()
    number = wanted.removeprefix("extra_")
    return next((f for f in extras if f.name.casefold() == wanted), None) or next(
        (f for f in extras if number.isdigit() and f.id == number), None
    )


def _value(field: ListField, value: FieldValue) -> Any:
    name = quote(field.name)
    if field.format == "options":
        labels = value if isinstance(value, list) else [str(value)]
        by_label = {label.casefold(): i for label, i in zip(field.options, field.option_ids, strict=False)}
        missing = [label for label in labels if str(label).strip().casefold() not in by_label]
        if missing:
            raise InvalidArgumentError(
                f"{quote(missing[0])} is not an option of {name}: choose from {', '.join(map(quote, field.options))}"
            )
        return sorted({by_label[str(label).strip().casefold()] for label in labels})
    if isinstance(value, list):
        raise InvalidArgumentError(f"{name} takes one value, not a list")
    text = str(value).strip()
    if field.format == "date" and text:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise InvalidArgumentError(f"{name} is a date: give YYYY-MM-DD, not {quote(text)}") from None
    if field.format == "number" and text and not _NUMBER.match(text):
        raise InvalidArgumentError(f"{name} is a number: give digits (and a decimal point), not {quote(text)}")
    return text


def named_values(fields: list[ListField], extra: Any) -> dict[str, str | list[str]]:
    """A contact's `extra` (`[{field_id, value}]`) by field name; options by their labels (one: a string)."""
    by_id = {f.id: f for f in fields if f.type == "extra"}
    named: dict[str, str | list[str]] = {}
    for entry in extra if isinstance(extra, list) else []:
        field = by_id.get(str(entry.get("field_id"))) if isinstance(entry, dict) else None
        if field is None:
            continue
        value = entry.get("value")
        if isinstance(value, list):
            labels = dict(zip(field.option_ids, field.options, strict=False))
            chosen = [labels.get(i, str(i)) for i in value if isinstance(i, int)]
            named[field.name] = chosen[0] if len(chosen) == 1 else chosen  # one option: its label
        elif value not in (None, ""):
            named[field.name] = str(value)
    return named
