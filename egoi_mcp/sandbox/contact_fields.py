"""Validating the `base` of contact bodies, for create, PATCH and bulk update (`extra`: `extra_fields.py`).

Unknown and read-only keys are ignored. Every wrong field is reported at once, as
`422 {"errors": {"<field>": "<what is wrong>"}}`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from egoi_mcp.sandbox.params import EMAIL, PHONE
from egoi_mcp.sandbox.problems import invalid

LANGUAGES = ("en", "pt", "br", "es", "de", "hu", "fr")
ALL_STATUSES = ("active", "inactive", "removed", "unconfirmed")
PATCH_STATUSES = ("active", "inactive", "unconfirmed")
CONSENTS = (
    "any",
    "consent",
    "contract",
    "legitimate_interest",
    "none",
    "protect_vital_interests",
    "public_interests",
    "required_by_law",
    "withdrawn",
)
CHANNEL_STATUSES = ("active", "inactive")

_TEXT = ("first_name", "last_name")
_PHONES = ("cellphone", "phone")
_CHANNEL_STATUS_FIELDS = ("email_status", "cellphone_status", "phone_status")


def base_fields(body: dict[str, Any], *, statuses: tuple[str, ...], editable_consent: bool) -> dict[str, Any]:
    """The contact fields a body sets. `editable_consent` allows consent and the channel statuses."""
    base = body.get("base", {})
    if not isinstance(base, dict):
        raise invalid({"base": "Must be an object"})

    fields: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def text(name: str) -> str | None:
        value = base.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            errors[name] = "Must be a string"
            return None
        return value.strip()

    def one_of(name: str, options: tuple[str, ...]) -> None:
        value = base.get(name)
        if value is not None:
            if value in options:
                fields[name] = value
            else:
                errors[name] = f"Must be one of: {', '.join(options)}"

    for name in _TEXT:
        if (value := text(name)) is not None:
            fields[name] = value
    if (email := text("email")) is not None:
        if EMAIL.match(email):
            fields["email"] = email
        else:
            errors["email"] = "Invalid e-mail address"
    for name in _PHONES:
        if (number := text(name)) is not None:
            if number == "" or PHONE.match(number):
                fields[name] = number
            else:
                errors[name] = "Invalid number: use the country code, a dash and the number, e.g. 351-912345678"
    if (birth_date := text("birth_date")) is not None:
        try:
            fields["birth_date"] = date.fromisoformat(birth_date).isoformat() if birth_date else ""
        except ValueError:
            errors["birth_date"] = "Must be a date, YYYY-MM-DD"
    one_of("language", LANGUAGES)
    one_of("status", statuses)
    if editable_consent:
        one_of("consent", CONSENTS)
        for name in _CHANNEL_STATUS_FIELDS:
            one_of(name, CHANNEL_STATUSES)

    if errors:
        raise invalid(errors)
    return fields
