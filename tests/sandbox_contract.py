"""E-goi's own OpenAPI as the contract the sandbox's answers are checked against (`contract().check`).

Each response is checked against the schema the spec gives for its path, method and status, after a
small conversion of OpenAPI 3.0 into JSON Schema (2020-12):

- `$ref: #/components/schemas/X` -> `#/$defs/X` (every component schema becomes a `$defs` entry);
- `nullable: true` -> the type (and enum) also admit null;
- `readOnly`, `writeOnly`, `discriminator`, `example`, `x-*` are dropped (annotations only; each oneOf in
  these schemas already pins its branch with an enum), and a `writeOnly` property is not required in a
  response;
- formats are checked: `date-time` must be E-goi's `YYYY-MM-DD HH:MM:SS`, `date` ISO, `email` an address;
- `type: date` (not an OpenAPI type; the spec uses it for the day of `EmailReportByDate`) is read as a
  string of format `date`.

One spec bug is worked around, by name: `DeleteListsConflict` is a `oneOf` of five `errors` shapes none of
which requires anything, so every body matches all five and none can match exactly one; it is checked as
`anyOf` (each branch still constrains the message of its own error code). And `AlphanumericCellphoneSender`
requires `file`, a `writeOnly` property of one of its `allOf` parts (the sender's document, sent when it is
registered): a response never carries it, as for a `writeOnly` property required where it is declared; without
it, the discriminator mapping the converter drops is what tells it from `NumericCellphoneSender`, so the fix says
`type: alpha_numeric` itself.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator, FormatChecker

SPEC_PATH = Path(__file__).resolve().parents[1] / "spec/egoi/openapi-v3.contract.yaml"
RATE_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-account-limit",
    "x-account-remaining",
    "x-account-reset",
)


def _one_of_as_any_of(schema: dict[str, Any]) -> dict[str, Any]:
    fixed = {key: value for key, value in schema.items() if key != "oneOf"}
    return {**fixed, "anyOf": schema["oneOf"]}


def _alphanumeric_sender(schema: dict[str, Any]) -> dict[str, Any]:
    required = [name for name in schema["required"] if name != "file"]
    return {**schema, "required": required, "properties": {"type": {"const": "alpha_numeric"}}}


SPEC_FIXES = {"DeleteListsConflict": _one_of_as_any_of, "AlphanumericCellphoneSender": _alphanumeric_sender}


# -- the spec, as JSON Schema ------------------------------------------------------------------------


def to_json_schema(schema: Any) -> Any:
    """One OpenAPI 3.0 schema object -> JSON Schema 2020-12 (see the module docstring)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref":
            out[key] = value.replace("#/components/schemas/", "#/$defs/")
        elif key == "properties":
            out[key] = {name: to_json_schema(prop) for name, prop in value.items()}
        elif key in ("items", "not", "additionalProperties"):
            out[key] = to_json_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [to_json_schema(branch) for branch in value]
        elif key == "type" and value == "date":
            out.update(type="string", format="date")
        elif key not in ("nullable", "readOnly", "writeOnly", "discriminator", "example") and not key.startswith("x-"):
            out[key] = value
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    write_only = {name for name, prop in schema.get("properties", {}).items() if prop.get("writeOnly")}
    if write_only and "required" in out:
        out["required"] = [name for name in out["required"] if name not in write_only]
    return out


FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _egoi_datetime(value: object) -> bool:
    return not isinstance(value, str) or bool(datetime.strptime(value, "%Y-%m-%d %H:%M:%S"))


@FORMATS.checks("date", raises=ValueError)
def _iso_date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


@FORMATS.checks("email")
def _email(value: object) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None


class Contract:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.paths = spec["paths"]
        self.defs = {name: to_json_schema(schema) for name, schema in spec["components"]["schemas"].items()}
        for name, fix in SPEC_FIXES.items():
            self.defs[name] = fix(self.defs[name])

    def statuses(self, method: str, path: str) -> set[int]:
        return {int(status) for status in self.paths[path][method.lower()]["responses"]}

    @functools.cache  # noqa: B019 - one Contract per session
    def validator(self, method: str, path: str, status: int) -> Draft202012Validator | None:
        response = self.paths[path][method.lower()]["responses"][str(status)]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return None
        return Draft202012Validator({**to_json_schema(schema), "$defs": self.defs}, format_checker=FORMATS)

    def check(self, method: str, path: str, response: httpx.Response) -> None:
        status = response.status_code
        documented = self.statuses(method, path)
        assert status in documented, f"{method} {path} answered {status}, the spec documents {sorted(documented)}"
        for header in RATE_HEADERS:
            assert response.headers.get(header, "").isdigit(), f"{method} {path}: missing {header}"
        validator = self.validator(method, path, status)
        if validator is None:
            assert response.content == b"", f"{method} {path} {status} has no body in the spec"
            return
        errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.absolute_path))
        assert not errors, f"{method} {path} {status}: " + "; ".join(
            f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
        )


@functools.cache
def contract() -> Contract:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return Contract(yaml.load(handle, Loader=loader))
