"""The redactor's one-pass check: data holding a registered secret anywhere (a value, a key, deep in a list, in
its URL-encoded form, or one with characters JSON escapes) is scrubbed; data holding none comes back as it is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from egoi_mcp.redact import REDACTED, holds_secret, redact, redact_data, register_secret
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
