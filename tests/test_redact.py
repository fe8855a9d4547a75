"""The redactor's one-pass check: data holding a registered secret anywhere (a value, a key, deep in a list, in
its URL-encoded form, or one with characters JSON escapes) is scrubbed; data holding none comes back as it is."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest

from egoi_mcp.redact import (
    REDACTED,
    db_passwords,
    holds_secret,
    redact,
    redact_data,
    redact_decoded,
    register_secret,
)
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


# --- every spelling a server may echo (issue 17, finding 7) -------------------------------------------------------

KEY = "Sk+Live/0123456789abcdef=Key"  # characters that percent-encoding and base64 treat specially


def _spellings(secret: str) -> dict[str, str]:
    raw = secret.encode()
    once = quote(secret, safe="")
    return {
        "exact": secret,
        "upper": secret.upper(),
        "lower": secret.lower(),
        "lower-hex %2b": once.lower().replace("sk", "Sk"),
        "mixed-hex": once.replace("%2B", "%2b"),
        "fully encoded": "".join(f"%{b:02X}" for b in raw),
        "fully encoded, lower": "".join(f"%{b:02x}" for b in raw),
        "double-encoded": quote(once, safe=""),
        "double, fully": "".join(f"%25{b:02x}" for b in raw),
        "base64": base64.b64encode(raw).decode(),
        "base64, no padding": base64.b64encode(raw).decode().rstrip("="),
        "base64 url-safe": base64.urlsafe_b64encode(raw).decode(),
        "basic auth": "Basic " + base64.b64encode(b"apikey:" + raw).decode(),
        "basic auth, shifted": "Basic " + base64.b64encode(b"user:" + raw + b":x").decode(),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
    }


@pytest.fixture(scope="module")
def key() -> str:
    register_secret(KEY)
    return KEY


@pytest.mark.parametrize("spelling", list(_spellings(KEY)))
def test_every_spelling_of_a_secret_is_scrubbed(key: str, spelling: str) -> None:
    echoed = _spellings(key)[spelling]
    text = f"E-goi said: key {echoed} is not valid (request /lists?apikey={echoed})"
    scrubbed = redact(text)
    assert echoed not in scrubbed and REDACTED in scrubbed, scrubbed
    assert scrubbed.startswith("E-goi said: key "), "the rest of the message is kept"
    for data in ({"detail": text}, [{"deep": {text: 1}}]):
        assert holds_secret(json.dumps(data, ensure_ascii=False))
        assert echoed not in json.dumps(redact_data(data), ensure_ascii=False)
    body = json.dumps({"detail": text}).encode()
    assert echoed not in json.dumps(redact_decoded(body, json.loads(body)))


def test_ordinary_text_is_not_scrubbed(key: str) -> None:
    text = "Newsletter %20 spring, base64 U2sr and hex 536b2b, Sk+Live/ alone"
    assert redact(text) == text
    assert redact_data({"t": text}) == {"t": text}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://egoi:S3cret-Pa55@db.example.com:5432/egoi",
        "postgresql://egoi@db.example.com/egoi?password=S3cret-Pa55&sslmode=require",
        "POSTGRES://egoi:S3cret-Pa55@db/egoi",
        "host=db user=egoi password=S3cret-Pa55 dbname=egoi",
    ],
)
def test_database_urls_are_masked_in_every_message(url: str) -> None:
    masked = redact(f"cannot reach PostgreSQL at {url} (connection refused)")
    assert "S3cret-Pa55" not in masked and "***" in masked
    assert "egoi@" not in masked and "egoi:S3" not in masked
    assert db_passwords("postgresql://u:p%40ss-word@h/db?password=second-one") == ["p@ss-word", "second-one"]
