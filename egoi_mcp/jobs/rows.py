"""An import's rows: a CSV text or a list of objects, columns mapped to a list's fields by name, each row checked.

A column is a base field by its name (`email`, `first_name`, `last_name`, `cellphone` or `phone` or `mobile`,
`birth_date`, `language`) or an extra field by its name or id (`client._field_values`); `mapping` renames
columns (`{"E-mail": "email", "Cidade": "City"}`, `""` ignores one). A column that names no field is refused
before anything else, with the fields the list has. Each row then becomes E-goi's `{base, extra}` or an error
with its reason (no e-mail, an address that is not one, a bad value, an address already given by an earlier row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from egoi_mcp.client._field_values import extra_entries
from egoi_mcp.client._validate import check_email, check_text, egoi_phone
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.jobs.record import MAX_ERRORS, row_error
from egoi_mcp.untrusted import clean, quote

if TYPE_CHECKING:
    from egoi_mcp.client._fields import ListField

__all__ = ["MAX_ROWS", "ParsedRows", "parse_rows"]

MAX_ROWS: Final = 100_000
_REASON_CHARS: Final = 240  # a reason quotes the row's value: cut, and without hidden characters
_BASE: Final = {
    "email": "email", "e-mail": "email", "first_name": "first_name", "last_name": "last_name",
    "cellphone": "cellphone", "phone": "cellphone", "mobile": "cellphone", "birth_date": "birth_date",
    "language": "language",
}  # fmt: skip
_LANGUAGES: Final = ("pt", "en", "es", "br", "fr", "de")


@dataclass
class ParsedRows:
    """The rows that can be imported (E-goi contacts, with their row numbers), and why the others cannot."""

    contacts: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    invalid: int = 0
    mapped: dict[str, str] = field(default_factory=dict)  # column -> field

    @property
    def total(self) -> int:
        return len(self.contacts) + self.invalid

    def refuse(self, row: int, reason: str) -> None:
        self.invalid += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(row_error(row, clean(reason)[:_REASON_CHARS]))


def parse_rows(
    list_id: int,
    fields: list[ListField],
    *,
    csv_text: str | None,
    rows: Sequence[dict[str, Any]] | None,
    mapping: dict[str, str] | None,
) -> ParsedRows:
    """Check every row against the list's `fields`; InvalidArgumentError when the input as a whole is wrong."""
    header, records = _records(csv_text, rows)
    parsed = ParsedRows(mapped=_map_columns(list_id, fields, header, mapping or {}))
    if "email" not in parsed.mapped.values():
        raise InvalidArgumentError("no column is mapped to email: name one 'email', or map it with mapping")
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        try:
            contact = _contact(list_id, fields, parsed.mapped, record)
        except InvalidArgumentError as exc:
            parsed.refuse(number, exc.message)
            continue
        address = contact["base"]["email"].casefold()
        if address in seen:
            parsed.refuse(number, f"the e-mail address of row {seen[address]} again")
            continue
        seen[address] = number
        parsed.contacts.append(contact)
        parsed.numbers.append(number)
    return parsed


def _records(csv_text: str | None, rows: Sequence[dict[str, Any]] | None) -> tuple[list[str], Iterable[dict[str, Any]]]:
    if (csv_text is None) == (rows is None):
        raise InvalidArgumentError("give the contacts as csv (text with a header row) or as rows, not both")
    if rows is not None:
        if not rows or len(rows) > MAX_ROWS:
            raise InvalidArgumentError(f"rows must hold 1 to {MAX_ROWS} objects, not {len(rows)}")
        header = list(dict.fromkeys(str(name) for row in rows for name in row))
        return header, rows
    assert csv_text is not None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(csv_text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")), dialect=dialect)
    header = [name for name in reader.fieldnames or [] if name]
    records = list(reader)
    if not header or not records or len(records) > MAX_ROWS:
        raise InvalidArgumentError(f"csv must have a header row and 1 to {MAX_ROWS} rows, not {len(records)}")
    return header, records


def _map_columns(list_id: int, fields: list[ListField], header: list[str], mapping: dict[str, str]) -> dict[str, str]:
    unknown = [name for name in mapping if name not in header]
    if unknown:
        raise InvalidArgumentError(f"mapping names no column {quote(unknown[0])}; the columns are: {_names(header)}")
    mapped: dict[str, str] = {}
    for column in header:
        target = mapping.get(column, column).strip()
        if not target:
            continue
        base = _BASE.get(target.casefold().replace(" ", "_"))
        if base is None:
            _check_field(list_id, fields, target)
        mapped[column] = base or target
    return mapped


def _check_field(list_id: int, fields: list[ListField], name: str) -> None:
    """FIELD_NOT_FOUND, naming the list's fields, when `name` is none of them (a value it refuses is no matter)."""
    try:
        extra_entries(list_id, fields, {name: ""})
    except InvalidArgumentError as exc:
        if exc.code == "FIELD_NOT_FOUND":
            raise InvalidArgumentError(
                f"{exc.message}; base fields: email, first_name, last_name, cellphone, birth_date, language; "
                'rename a column with mapping ({"column": "field"}, "" to leave it out)',
                code=exc.code,
            ) from None


def _contact(list_id: int, fields: list[ListField], mapped: dict[str, str], record: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for column, target in mapped.items():
        value = record.get(column)
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        if target == "email":
            base["email"] = check_email(text)
        elif target == "cellphone":
            base["cellphone"] = egoi_phone(text)
        elif target == "birth_date":
            base["birth_date"] = _date(text)
        elif target == "language":
            if text.lower() not in _LANGUAGES:
                raise InvalidArgumentError(f"language {quote(text)} is not one of {', '.join(_LANGUAGES)}")
            base["language"] = text.lower()
        elif target in ("first_name", "last_name"):
            base[target] = check_text(text, target)
        else:
            extra[target] = text
    if "email" not in base:
        raise InvalidArgumentError("no e-mail address")
    entries = extra_entries(list_id, fields, extra) if extra else []
    return {"base": base, **({"extra": entries} if entries else {})}


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidArgumentError(f"birth_date is a date: give YYYY-MM-DD, not {quote(text)}") from None


def _names(header: list[str]) -> str:
    return ", ".join(quote(name) for name in header[:20])
