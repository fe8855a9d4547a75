"""Arguments checked before any E-goi call: e-mails, phones, contact and campaign ids, free text.

Phones are parsed by `phonenumbers` and e-mail syntax by `email-validator`; each check raises
`InvalidArgumentError` with the code the seed used and a message that says what would be accepted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.untrusted import clean, quote

_CONTACT_ID = re.compile(r"[a-fA-F0-9]{10}")
_CAMPAIGN_ID = re.compile(r"[a-zA-Z0-9_-]+")
_EGOI_PHONE = re.compile(r"[0-9]{1,3}-[0-9]{4,20}")  # E-goi's cellphone pattern, ASCII digits only
_PHONE_CHARS = re.compile(r"\+?[0-9 ().-]+")  # digits and the separators people type, nothing else
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def check_text(value: str | None, field: str) -> str | None:
    """Names reach people's inboxes: refuse control characters instead of storing them."""
    if value is not None and _CONTROL.search(value):
        raise InvalidArgumentError(f"{field} contains control characters: send plain text")
    return value


def check_email(email: str) -> str:
    """The address, trimmed, when its syntax is valid (no DNS lookup)."""
    email = email.strip()
    _check_syntax(email)
    return email


@functools.lru_cache(maxsize=1024)
def _check_syntax(email: str) -> None:
    """Raises when `email` is not a valid address. A pure check (30 us), remembered for the addresses last found
    valid: the same address is often checked again (searched, then created or updated); a refusal is not kept."""
    import email_validator  # here, not at import: ~30 ms of start-up a session may never need

    try:
        email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise InvalidArgumentError(
            f"{quote(email)} is not a valid e-mail address ({clean(str(exc))}); expected name@domain.tld",
            code="EMAIL_ADDRESS_INVALID",
        ) from None


def check_contact_ids(contact_ids: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(str(c).strip() for c in contact_ids))
    if not ids:
        raise InvalidArgumentError("no contact ids given: pass at least one contact_id")
    bad = [c for c in ids if not _CONTACT_ID.fullmatch(c)]
    if bad:
        raise InvalidArgumentError(
            f"not E-goi contact ids: {', '.join(map(repr, bad[:5]))}. A contact_id is 10 hex characters, "
            "e.g. '8f3a27ef26'; find it with search_contacts",
            code="SUBSCRIBER_NOT_FOUND",
        )
    return ids


def check_campaign(campaign_id: str) -> str:
    if not _CAMPAIGN_ID.fullmatch(campaign_id or ""):
        raise InvalidArgumentError(
            f"{campaign_id!r} is not a campaign id: take it from the campaign list", code="CAMPAIGN_NOT_FOUND"
        )
    return campaign_id


def check_color(color: str | None) -> str | None:
    if color is not None and not _COLOR.fullmatch(color):
        raise InvalidArgumentError(f"color must look like '#RRGGBB', not {color!r}")
    return color


def check_limit(limit: int, maximum: int) -> int:
    if isinstance(limit, bool) or not 1 <= limit <= maximum:
        raise InvalidArgumentError(f"limit must be between 1 and {maximum}, not {limit}")
    return limit


def egoi_phone(phone: str) -> str:
    """E-goi wants `<country code>-<number>` ('351-912345678'); accept '+351 912 345 678' and '00351…' too."""
    text = phone.strip()
    if _EGOI_PHONE.fullmatch(text):
        return text
    formatted = None
    if _PHONE_CHARS.fullmatch(text):
        import phonenumbers  # here, not at import: ~25 ms of start-up

        international = "+" + text[2:] if text.startswith("00") else text
        try:
            number = phonenumbers.parse(international, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and number.country_code:
            # A number phonenumbers knows loses only its trunk prefix ('+44 (0)20…'); any other keeps every digit.
            digits = re.sub(r"[^0-9]", "", international)[len(str(number.country_code)) :]
            if phonenumbers.is_valid_number(number):
                digits = phonenumbers.national_significant_number(number)
            formatted = f"{number.country_code}-{digits}"
    if formatted is None or not _EGOI_PHONE.fullmatch(formatted):
        raise InvalidArgumentError(
            f"{phone!r} is not a phone number E-goi accepts: use the international form '+351912345678' "
            "or E-goi's '351-912345678'"
        )
    return formatted


def maybe_phone(text: str) -> str | None:
    try:
        return egoi_phone(text)
    except InvalidArgumentError:
        return None
