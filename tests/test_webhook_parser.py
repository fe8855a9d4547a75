"""Webhook deliveries read: the trigger table, the tolerant parser, its vocabulary, and properties over any bytes,
JSON or form (the receiver is test_webhooks.py's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from egoi_mcp.store import SQLiteStore as EventStore
from egoi_mcp.webhooks import (
    OTHER,
    TRIGGERS,
    EventTriggerName,
    MalformedDelivery,
    ParsedDelivery,
    TriggerName,
    canonical_trigger,
    egoi_actions,
    parse_delivery,
)
from egoi_mcp.webhooks.receiver import receiver_routes
from tests.webhook_bodies import FORM, SANDBOX_BODY, SECRET, SEED_BODY, T0, URL

pytestmark = pytest.mark.anyio


# --- the trigger table ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "trigger"),
    [
        ("subscription", "new_subscriber"),
        ("subscribe", "new_subscriber"),
        ("unsubscribe", "new_unsubscriber"),
        ("email_open", "email_opened"),
        ("email_click", "email_clicked"),
        ("email_link", "email_clicked"),
        ("email_hard_bounce", "email_hard_bounced"),
        ("bounce_hard", "email_hard_bounced"),
        ("email_soft_bounce", "email_soft_bounced"),
        ("bounce_soft", "email_soft_bounced"),
        ("email_send", "email_sent"),
        ("send_email", "email_sent"),
        # the seed's human names, in any case
        ("New Subscriber", "new_subscriber"),
        ("new unsubscriber", "new_unsubscriber"),
        ("Opened Email", "email_opened"),
        ("CLICKED EMAIL", "email_clicked"),
        ("Hard Bounced Email", "email_hard_bounced"),
        ("Soft Bounced Email", "email_soft_bounced"),
        ("Send Email", "email_sent"),
        # canonical names themselves
        ("email_opened", "email_opened"),
        (" Email-Sent ", "email_sent"),
        # anything else
        ("double_optin", "other"),
        ("email_spam_complaint", "other"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_canonical_trigger(name: str | None, trigger: str) -> None:
    assert canonical_trigger(name) == trigger


def test_egoi_actions_maps_canonical_names_for_registration() -> None:
    assert egoi_actions(list(TRIGGERS)) == [
        "subscription",
        "unsubscribe",
        "email_open",
        "email_click",
        "email_hard_bounce",
        "email_soft_bounce",
        "email_send",
    ]
    assert egoi_actions(["email_opened", "email_opened", "new_subscriber"]) == ["email_open", "subscription"]
    assert egoi_actions([]) == []


@pytest.mark.parametrize("bad", ["opened", "email_open", "other", ""])
def test_egoi_actions_names_the_valid_triggers(bad: str) -> None:
    with pytest.raises(ValueError, match="new_subscriber, new_unsubscriber, email_opened"):
        egoi_actions(["new_subscriber", bad])


# --- parsing ----------------------------------------------------------------------------------------------


def parse(body: Any, content_type: str | None = "application/json") -> ParsedDelivery:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_delivery(raw, content_type)


def fields(parsed: ParsedDelivery) -> tuple:
    return (
        parsed.trigger,
        parsed.action,
        parsed.list_id,
        parsed.contact_id,
        parsed.email,
        parsed.campaign_id,
        parsed.occurred_at,
    )


def test_the_sandbox_shape() -> None:
    parsed = parse(SANDBOX_BODY)
    assert fields(parsed) == ("new_subscriber", "subscription", 1, "8f3a27ef26", "a@b.c", None, T0)
    assert parsed.delivery_id == "5b0a7c1e-delivery"
    assert parsed.payload == SANDBOX_BODY


def test_the_seed_shape() -> None:
    parsed = parse(SEED_BODY)
    assert fields(parsed) == ("new_subscriber", "New Subscriber", None, "0a1b2c3d4e", "john@example.com", "42", T0)
    assert parsed.delivery_id is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (  # E-goi's contact object under `contact.base`, `type` as the action, listID, an RFC 3339 offset
            {
                "type": "email_hard_bounce",
                "listID": "7",
                "contact": {"base": {"contact_id": "ab12cd34ef", "email": "h@x.io"}},
                "campaign": {"campaign_hash": "cmp_1", "id": 99},
                "date": "2026-11-25T11:00:00+01:00",
            },
            ("email_hard_bounced", "email_hard_bounce", 7, "ab12cd34ef", "h@x.io", "cmp_1", T0),
        ),
        (  # everything under `data`, an epoch in milliseconds
            {
                "event_type": "bounce_soft",
                "data": {
                    "list_id": 2,
                    "contact": {"contact_id": "ffffffffff", "email": "s@x.io"},
                    "campaign": {"hash": "h2"},
                    "created": int(T0.timestamp() * 1000),
                },
            },
            ("email_soft_bounced", "bounce_soft", 2, "ffffffffff", "s@x.io", "h2", T0),
        ),
        (  # `data.contact`, `data.campaign`, an epoch in seconds as text, a `base` at the top
            {
                "event": "Clicked Email",
                "base": {"list_id": 3},
                "data": {"contact": {"id": 12345}, "campaign": {"id": "c-9"}, "time": str(int(T0.timestamp()))},
                "email": "top@x.io",
            },
            ("email_clicked", "Clicked Email", 3, "12345", "top@x.io", "c-9", T0),
        ),
        (  # an `event` object wrapping it all; the sender's address is not the contact's
            {
                "event": {"action": "email_send", "list": {"id": 4}, "timestamp": "2026-11-25 10:00:00"},
                "campaign": {"hash": "h4", "sender": {"email": "news@brand.io"}},
                "subscriber": {"fields": {"email": "deep@x.io", "contact_id": "0000000abc"}},
            },
            ("email_sent", "email_send", 4, "0000000abc", "deep@x.io", "h4", T0),
        ),
        (  # no action at all: stored as other, nothing else known
            {"hello": "world"},
            ("other", None, None, None, None, None, None),
        ),
        (  # unreadable values are skipped, not fatal
            {"action": ["x"], "list_id": "seven", "email": "not-an-address", "timestamp": "yesterday"},
            ("other", None, None, None, None, None, None),
        ),
    ],
)
def test_plausible_egoi_shapes(body: dict, expected: tuple) -> None:
    assert fields(parse(body)) == expected


def test_an_unknown_action_is_other_with_the_action_and_payload_kept() -> None:
    body = {"action": "double_optin", "list_id": 5, "contact_id": "1234567890", "extra": {"consent": True}}
    parsed = parse(body)
    assert (parsed.trigger, parsed.action, parsed.list_id) == ("other", "double_optin", 5)
    assert parsed.payload == body


def test_form_encoded_with_php_keys_and_json_values() -> None:
    raw = urlencode(
        {
            "action": "email_click",
            "list_id": "3",
            "contact[email]": "form@x.io",
            "contact[id]": "1a2b3c4d5e",
            "data": json.dumps({"campaign": {"hash": "fh"}, "timestamp": "2026-11-25 10:00:00"}),
            "tags[]": "1",
        }
    ).encode()
    parsed = parse(raw + b"&tags[]=2", FORM)
    assert fields(parsed) == ("email_clicked", "email_click", 3, "1a2b3c4d5e", "form@x.io", "fh", T0)
    assert parsed.payload["contact"] == {"email": "form@x.io", "id": "1a2b3c4d5e"}
    assert parsed.payload["data"]["campaign"] == {"hash": "fh"}
    assert parsed.payload["tags"] == ["1", "2"]


def test_a_form_whose_only_field_is_the_json_body() -> None:
    raw = urlencode({"payload": json.dumps(SEED_BODY)}).encode()
    parsed = parse(raw, FORM)
    assert fields(parsed) == fields(parse(SEED_BODY))


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (json.dumps(SANDBOX_BODY).encode(), "text/plain"),  # wrong type: sniffed
        (json.dumps(SANDBOX_BODY).encode(), None),
        (json.dumps(SANDBOX_BODY).encode(), FORM),  # JSON sent as a form: still JSON
        (b"\xef\xbb\xbf" + json.dumps(SANDBOX_BODY).encode(), "application/json; charset=UTF-8"),  # BOM
        (json.dumps(SANDBOX_BODY).encode("utf-16"), "application/json; charset=utf-16"),
        (urlencode({"action": "subscription", "list_id": 1}).encode(), None),  # a form, sniffed
        (json.dumps(SANDBOX_BODY).encode(), "application/json; charset=no-such-charset"),
    ],
)
def test_content_types_are_tolerated(raw: bytes, content_type: str | None) -> None:
    parsed = parse_delivery(raw, content_type)
    assert (parsed.trigger, parsed.list_id) == ("new_subscriber", 1)


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"", "application/json"),
        (b"  \n ", None),
        (b"[1, 2]", "application/json"),
        (b'"text"', "application/json"),
        (b"null", "application/json"),
        (b"{not json", "application/json"),
        (b'{"a": NaN}', "application/json"),
        (b'{"a": 1', None),
        (b"\xff\xfe\xfa", "application/json"),
        (b"just some words", "text/plain"),
        (b"no equals sign here", FORM),
        (b"=&=", FORM),
        (b'{"a": "\\ud800"}', "application/json"),  # a lone surrogate
        (b'{"a": "\\ud800"}', "application/json; charset=unicode_escape"),  # one the charset decoded already
        (b'data={"a": "\\ud800"}', FORM),  # one in a form's JSON value
        (b"[" * 5000 + b"]" * 5000, "application/json"),  # would blow the recursion limit
        (b'{"n": ' + b"9" * 5000 + b"}", None),  # an integer longer than Python will convert
        (b'{"a":' * 40 + b"1" + b"}" * 40, "application/json"),  # nested deeper than any E-goi body
        (b"a" + b"[x]" * 40 + b"=1", FORM),
        (b"&".join(b"f%d=1" % i for i in range(3000)), FORM),
    ],
)
def test_malformed_bodies(raw: bytes, content_type: str | None) -> None:
    with pytest.raises(MalformedDelivery):
        parse_delivery(raw, content_type)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":' * 31 + b"1" + b"}" * 31,  # as deep as allowed
        json.dumps({"note": "[[{{" * 20, "emoji": "\U0001f600", "escaped": "caf\u00e9 \ud83d\ude00"}).encode(),
    ],
)
def test_bodies_that_only_look_deep_or_escaped_are_accepted(raw: bytes) -> None:
    """The depth and surrogate checks are skipped when the JSON text shows they cannot fail: never wrongly."""
    assert parse_delivery(raw, "application/json").payload == json.loads(raw)


# --- the vocabulary ---------------------------------------------------------------------------------------


def test_the_trigger_literal_and_the_table_are_one_vocabulary() -> None:
    assert get_args(TriggerName) == tuple(TRIGGERS)
    assert get_args(EventTriggerName) == (*TRIGGERS, OTHER)


# --- properties -------------------------------------------------------------------------------------------

_KEYS = st.sampled_from(
    [
        "action", "event", "type", "event_type", "data", "payload", "contact", "base", "campaign", "list", "id",
        "list_id", "listID", "contact_id", "email", "campaign_hash", "campaign_id", "hash", "event_date",
        "timestamp", "date", "created", "time", "delivery_id", "sender", "fields",
    ]
) | st.text(max_size=8)  # fmt: skip
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["subscription", "Opened Email", "a@b.c", "2026-11-25 10:00:00", "1764064800000", "9" * 30])
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=10,
)
_CONTENT_TYPES = st.sampled_from(
    [None, "application/json", FORM, "text/plain", "application/json; charset=latin-1", f"{FORM}; charset=utf-16"]
)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=512), content_type=_CONTENT_TYPES)
def test_parse_on_any_bytes_raises_only_malformed(raw: bytes, content_type: str | None) -> None:
    try:
        parsed = parse_delivery(raw, content_type)
    except MalformedDelivery:
        return
    assert isinstance(parsed.payload, dict)


@settings(max_examples=150, deadline=None)
@given(value=_JSON, content_type=_CONTENT_TYPES)
def test_parse_on_any_json_raises_only_malformed(value: Any, content_type: str | None) -> None:
    try:
        parsed = parse_delivery(json.dumps(value).encode(), content_type)
    except MalformedDelivery:
        assert not isinstance(value, dict) or (content_type is not None and "utf-16" in content_type)
        return
    assert parsed.trigger in (*TRIGGERS, "other")
    assert parsed.list_id is None or 0 <= parsed.list_id < 2**63
    assert parsed.occurred_at is None or parsed.occurred_at.tzinfo is not None
    json.dumps(parsed.payload)  # storable


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12) | _JSON.map(json.dumps)), max_size=8))
def test_parse_on_any_form_raises_only_malformed(pairs: list[tuple[str, str]]) -> None:
    try:
        parsed = parse_delivery(urlencode(pairs).encode(), FORM)
    except MalformedDelivery:
        return
    assert parsed.trigger in (*TRIGGERS, "other") and isinstance(parsed.payload, dict)


@pytest.mark.anyio(False)
def test_the_receiver_never_answers_5xx(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.db")
    bodies = st.binary(max_size=300) | _JSON.map(lambda v: json.dumps(v).encode())

    with TestClient(Starlette(routes=receiver_routes(store, SECRET))) as client:

        @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(body=bodies, content_type=_CONTENT_TYPES, path=st.sampled_from([URL, "/webhooks/egoi", URL + "x"]))
        def check(body: bytes, content_type: str | None, path: str) -> None:
            headers = {"content-type": content_type} if content_type else {}
            response = client.post(path, content=body, headers=headers)
            assert response.status_code in (200, 400, 404)
            if response.status_code == 200:
                assert client.portal.call(store.get, response.json()["event_id"]) is not None

        check()
        client.portal.call(store.close)
