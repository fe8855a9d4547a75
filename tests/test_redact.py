"""The redactor's one-pass check: data holding a registered secret anywhere (a value, a key, deep in a list, in
its URL-encoded form, or one with characters JSON escapes) is scrubbed; data holding none comes back as it is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from egoi_mcp.redact import REDACTED, holds_secret, redact, redact_data, redact_decoded, register_secret
from egoi_mcp.tools._results import MAX_FIELD_CHARS, plain

ESCAPED = 'quote"back\\slash-secret\t0001'  # every character class JSON escapes
PLAIN = "plain-secret-0123456789"


@pytest.fixture(autouse=True, scope="module")
def secrets() -> None:
    register_secret(ESCAPED)
    register_secret(PLAIN)


@pytest.mark.parametrize(
    "data",
    [
        {"a": f"before {PLAIN} after"},
        {"items": [{"id": 1, "payload": {"deep": [ESCAPED]}}]},
        {f"key {PLAIN}": 1},
        ["x", {"url": "https://h/?k=plain-secret-0123456789"}],
        {"quoted": "https://h/?k=quote%22back%5Cslash-secret%090001"},
    ],
)
def test_a_secret_anywhere_is_scrubbed(data: Any) -> None:
    text = json.dumps(redact_data(data), ensure_ascii=False)
    assert PLAIN not in text and "plain-secret" not in text
    assert "slash-secret" not in text
    assert REDACTED in text
    assert holds_secret(json.dumps(data, ensure_ascii=False))


def test_data_without_secrets_is_returned_as_it_is() -> None:
    data = {"items": [{"id": 1, "name": "Newsletter"}], "next_cursor": None}
    assert redact_data(data) is data
    assert not holds_secret(json.dumps(data, ensure_ascii=False))


def test_the_longest_secret_wins_when_one_holds_another() -> None:
    longer = f"{PLAIN}-and-more"
    register_secret(longer)
    assert redact(f"x {longer} y") == f"x {REDACTED} y"


def test_a_tool_result_is_scrubbed_and_cut_and_its_text_is_its_data() -> None:
    result = plain({"items": [{"note": ESCAPED, "long": "z" * (MAX_FIELD_CHARS + 5)}], "total": 1})
    assert result.text == json.dumps(result.data, ensure_ascii=False, separators=(",", ":"))
    assert "slash-secret" not in result.text
    assert result.data["items"][0]["long"].endswith("[cut: 5 more characters]")
    assert result.data["next_cursor"] is None


@pytest.mark.parametrize(
    "body",
    [
        f'{{"url": "https://h/hooks/{PLAIN}"}}',  # as sent
        '{"url": "https:\\/\\/h\\/hooks\\/plain-secret-0123456789"}',  # slashes escaped, as PHP writes them
        '{"url": "https://h/hooks/plain-secret-\\u0030123456789"}',  # a character of the secret escaped
        json.dumps({"k": ESCAPED}),
        json.dumps({"url": f"https://h/?k={PLAIN}"}).encode("utf-16").decode("latin-1"),  # UTF-16: NUL bytes
    ],
)
def test_a_decoded_upstream_body_is_scrubbed_however_it_was_written(body: str) -> None:
    raw = body.encode("latin-1") if "\x00" in body else body.encode()
    value = json.loads(raw)
    text = json.dumps(redact_decoded(raw, value), ensure_ascii=False)
    assert "plain-secret" not in text and "slash-secret" not in text
    assert REDACTED in text


def test_a_clean_upstream_body_comes_back_as_it_is() -> None:
    raw = b'{"items": [{"list_id": 1, "internal_name": "Newsletter"}], "total_items": 1}'
    value = json.loads(raw)
    assert redact_decoded(raw, value) is value
