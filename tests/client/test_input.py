"""EGoiClient against a respx-mocked E-goi: bad input is a clear error and not a single upstream call; phone
numbers in E-goi's form.

Response bodies follow the examples of E-goi's OpenAPI file (`openapi-v3.contract.yaml`); the mock is conftest.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from egoi_mcp.client import EGoiClient, egoi_phone
from egoi_mcp.errors import InvalidArgumentError
from tests.client.egoi import (
    CONTACT,
    OTHER,
)

pytestmark = pytest.mark.anyio


# -- bad input: a clear error and not a single upstream call ------------------------------------------------


def _bad_calls(c: EGoiClient) -> list[tuple[str, Any, str | None]]:
    """(id, coroutine factory, expected code or None) for arguments that cannot be right."""
    return [
        ("email-no-at", lambda: c.create_contact("john.example.com", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("email-no-domain", lambda: c.create_contact("john@", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("email-space", lambda: c.create_contact("jo hn@example.com", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("email-empty", lambda: c.create_contact("", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("email-with-tags", lambda: c.create_contact("bad", list_id=3, tags=["vip"]), "EMAIL_ADDRESS_INVALID"),
        ("update-email", lambda: c.update_contacts([CONTACT], 3, email="nope"), "EMAIL_ADDRESS_INVALID"),
        ("search-email", lambda: c.search_contacts("john@", list_id=3), "EMAIL_ADDRESS_INVALID"),
        ("find-email", lambda: c.find_contact("@example.com"), "EMAIL_ADDRESS_INVALID"),
        ("bad-phone", lambda: c.create_contact("john@example.com", phone="call me", list_id=3), None),
        ("short-phone", lambda: c.create_contact("john@example.com", phone="+351 91", list_id=3), None),
        ("update-no-ids", lambda: c.update_contacts([], 3, first_name="J"), None),
        ("delete-no-ids", lambda: c.delete_contacts([], 3), None),
        ("attach-no-ids", lambda: c.attach_tag(4, [], 3), None),
        ("detach-no-ids", lambda: c.detach_tag(4, [" "], 3), None),
        ("get-bad-id", lambda: c.get_contact("abc", 3), "SUBSCRIBER_NOT_FOUND"),
        ("get-11-hex", lambda: c.get_contact("8f3a27ef26a", 3), "SUBSCRIBER_NOT_FOUND"),
        ("get-non-hex", lambda: c.get_contact("8f3a27ef2g", 3), "SUBSCRIBER_NOT_FOUND"),
        ("get-path-trick", lambda: c.get_contact("../../tags", 3), "SUBSCRIBER_NOT_FOUND"),
        ("update-bad-id", lambda: c.update_contacts([CONTACT, "nope"], 3, first_name="J"), "SUBSCRIBER_NOT_FOUND"),
        ("delete-bad-id", lambda: c.delete_contacts(["nope"], 3), "SUBSCRIBER_NOT_FOUND"),
        ("send-bad-contact", lambda: c.send_email_to_contact("abc123", "nope", 3), "SUBSCRIBER_NOT_FOUND"),
        ("create-no-list", lambda: c.create_contact("john@example.com"), "LIST_NOT_FOUND"),
        ("get-no-list", lambda: c.get_contact(CONTACT), "LIST_NOT_FOUND"),
        ("list-no-list", lambda: c.list_contacts(), "LIST_NOT_FOUND"),
        ("update-no-list", lambda: c.update_contacts([CONTACT], first_name="J"), "LIST_NOT_FOUND"),
        ("delete-no-list", lambda: c.delete_contacts([CONTACT]), "LIST_NOT_FOUND"),
        ("segments-no-list", lambda: c.segment_list(), "LIST_NOT_FOUND"),
        ("attach-no-list", lambda: c.attach_tag(4, [CONTACT]), "LIST_NOT_FOUND"),
        ("list-zero", lambda: c.get_contact(CONTACT, 0), "LIST_NOT_FOUND"),
        ("list-negative", lambda: c.delete_list(-3), "LIST_NOT_FOUND"),
        ("list-not-a-number", lambda: c.get_list("three"), "LIST_NOT_FOUND"),  # type: ignore[arg-type]
        ("search-name-no-list", lambda: c.search_contacts("John Doe"), None),
        ("search-empty", lambda: c.search_contacts("  ", list_id=3), None),
        ("find-neither", lambda: c.find_contact("John"), None),
        ("list-empty-name", lambda: c.create_list("   "), None),
        ("tag-empty-name", lambda: c.create_tag(""), None),
        ("tag-names-one-empty", lambda: c.create_contact("john@example.com", list_id=3, tags=["vip", " "]), None),
        ("update-tag-empty", lambda: c.update_contacts([CONTACT], 3, tags=["vip", ""]), None),
        ("tag-color-word", lambda: c.create_tag("vip", color="red"), None),
        ("tag-color-short", lambda: c.create_tag("vip", color="#FFF"), None),
        ("tag-color-no-hash", lambda: c.create_tag("vip", color="FF0000"), None),
        ("tag-color-bad-hex", lambda: c.create_tag("vip", color="#GG0000"), None),
        ("webhook-ftp", lambda: c.create_webhook(3, "ftp://example.com/hook", ["subscription"]), None),
        ("webhook-no-scheme", lambda: c.create_webhook(3, "example.com/hook", ["subscription"]), None),
        ("webhook-no-host", lambda: c.create_webhook(3, "https://", ["subscription"]), None),
        ("webhook-space", lambda: c.create_webhook(3, "https://exa mple.com/", ["subscription"]), None),
        ("webhook-empty", lambda: c.create_webhook(3, "", ["subscription"]), None),
        ("webhook-no-actions", lambda: c.create_webhook(3, "https://example.com/hook", []), None),
        ("webhook-bad-list", lambda: c.create_webhook(0, "https://example.com/hook", ["subscription"]), None),
        ("nothing-to-update", lambda: c.update_contacts([CONTACT], 3), None),
        ("email-for-many", lambda: c.update_contacts([CONTACT, OTHER], 3, email="a@b.co"), None),
        ("delete-bad-mode", lambda: c.delete_contacts([CONTACT], 3, mode="erase"), None),  # type: ignore[arg-type]
        ("send-bad-campaign", lambda: c.send_email_to_contact("no such/hash", CONTACT, 3), "CAMPAIGN_NOT_FOUND"),
        ("send-empty-campaign", lambda: c.send_email_to_segment("", "seg_1", 3), "CAMPAIGN_NOT_FOUND"),
        ("send-empty-segment", lambda: c.send_email_to_segment("abc123", " ", 3), "SEGMENT_NOT_FOUND"),
        ("get-campaign-bad", lambda: c.get_campaign("a b"), "CAMPAIGN_NOT_FOUND"),
        ("limit-too-big", lambda: c.list_contacts(3, limit=1001), None),
        ("limit-zero", lambda: c.campaign_list(limit=0), None),
        ("bad-cursor", lambda: c.list_tags(cursor="xyz"), None),
    ]


_BAD_IDS = [case[0] for case in _bad_calls(None)]  # type: ignore[arg-type]


@pytest.mark.parametrize("case", _BAD_IDS)
async def test_bad_input_is_refused_without_calling_egoi(api: respx.MockRouter, client: EGoiClient, case: str) -> None:
    catch_all = api.route().respond(500)
    (_, call, code) = next(c for c in _bad_calls(client) if c[0] == case)
    with pytest.raises(InvalidArgumentError) as info:
        await call()
    assert catch_all.call_count == 0
    assert len(api.calls) == 0
    assert info.value.message
    assert info.value.status is None
    if code:
        assert info.value.code == code


# -- phones ---------------------------------------------------------------------------------------------

_EGOI_PATTERN = re.compile(r"[0-9]{1,3}-[0-9]{4,20}")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+351 912 345 678", "351-912345678"),
        ("+351912345678", "351-912345678"),
        ("00351 912-345-678", "351-912345678"),
        ("351-912345678", "351-912345678"),
        (" 351-300404336 ", "351-300404336"),
        ("+1 (555) 123-4567", "1-5551234567"),
        ("+44 20 7946 0958", "44-2079460958"),
        ("+7 912 345 67 89", "7-9123456789"),
        ("+55 11 91234 5678", "55-11912345678"),
        ("+44 (0)20 7946 0958", "44-2079460958"),  # the trunk prefix of a known number is dropped
    ],
)
def test_egoi_phone(given: str, expected: str) -> None:
    assert egoi_phone(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "call me",
        "912345678",
        "+351",
        "+351 91",
        "+351 912 345 678 901 234 567 890 12",
        "+٣٥١٩١٢٣٤٥٦٧٨",
        "351-٩١٢٣٤٥٦٧٨",
    ],
)
def test_egoi_phone_refuses(bad: str) -> None:
    with pytest.raises(InvalidArgumentError):
        egoi_phone(bad)


_PHONEISH = st.text(alphabet="+0123456789 -().\u0663\u0669\uff11", max_size=30)


@given(st.one_of(st.text(max_size=40), _PHONEISH))
def test_egoi_phone_only_raises_argument_errors_and_only_returns_egoi_form(text: str) -> None:
    try:
        result = egoi_phone(text)
    except InvalidArgumentError:
        return
    assert _EGOI_PATTERN.fullmatch(result)


@given(
    st.sampled_from(["1", "7", "44", "55", "351", "353", "238"]),
    st.text(alphabet="0123456789", min_size=6, max_size=11).map(lambda digits: "5" + digits),  # no trunk prefix
    st.sampled_from(["", " ", "-", "."]),
)
def test_egoi_phone_keeps_every_digit(cc: str, national: str, sep: str) -> None:
    spaced = sep.join([national[:3], national[3:]])
    result = egoi_phone(f"+{cc} {spaced}")
    assert result == f"{cc}-{national}"
