"""Secrets never leave (issue 9.3): an upstream that echoes the API key or the webhook secret, in errors and in
successes, through a real MCP client in both eras; and the log line of a failed tool."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import respx
from mcp import Client

from egoi_mcp.config import Settings
from egoi_mcp.server import EgoiServer, build_server

pytestmark = pytest.mark.anyio

API_KEY = "sk-live+0123456789/abcdef-secret"  # + and / are what encoders change
SECRET = "webhook-secret-0123456789abcdef"
BASE = "https://api.egoiapp.com"


@pytest.fixture
def server(tmp_path: Path) -> EgoiServer:
    settings = Settings(
        api_key=API_KEY, db=tmp_path / "e.db", webhook_secret=SECRET, public_url="https://mcp.example.com",
        default_list_id=1,
    )  # fmt: skip
    return build_server(settings)


@pytest.fixture
def egoi() -> Any:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


async def _text(client: Client, tool: str, **arguments: Any) -> tuple[bool, str]:
    result = await client.call_tool(tool, arguments)
    return result.is_error, result.content[0].text + str(result.structured_content)


async def test_a_key_echoed_in_a_409_never_reaches_the_model(client: Client, egoi: respx.MockRouter) -> None:
    egoi.post("/lists/1/contacts").respond(
        409, json={"title": "Conflict", "detail": f"apikey {API_KEY}", "errors": {"field_id": API_KEY}}
    )
    is_error, text = await _text(client, "egoi_create_contact", email="ana@example.com", list_id=1)
    assert is_error and API_KEY not in text


async def test_a_key_inside_a_successful_result_is_redacted(client: Client, egoi: respx.MockRouter) -> None:
    item = {"list_id": 1, "internal_name": f"leak {API_KEY}", "public_name": "x"}
    egoi.get("/lists").respond(200, json={"total_items": 1, "items": [item]})
    is_error, text = await _text(client, "egoi_list_lists")
    assert not is_error and API_KEY not in text and "[redacted]" in text


async def test_the_webhook_secret_quoted_in_a_422_is_redacted(client: Client, egoi: respx.MockRouter) -> None:
    egoi.get("/webhooks").respond(200, json={"total_items": 0, "items": []})
    egoi.post("/webhooks").respond(
        422, json={"title": "Unprocessable", "detail": f"url https://mcp.example.com/webhooks/egoi/{SECRET} refused"}
    )
    is_error, text = await _text(client, "egoi_register_webhook", list_id=1)
    assert is_error and SECRET not in text


async def test_the_log_line_of_a_failed_tool_holds_no_key(
    client: Client, egoi: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    egoi.get("/lists").respond(422, json={"title": "Unprocessable", "detail": f"bad key {API_KEY}"})
    with caplog.at_level(logging.INFO):
        is_error, _ = await _text(client, "egoi_list_lists")
    assert is_error
    assert caplog.records, "the failure is logged"
    assert API_KEY not in caplog.text


def test_a_public_url_without_a_scheme_is_refused_without_the_secret(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as raised:
        Settings(api_key=API_KEY, db=tmp_path / "e.db", webhook_secret=SECRET, public_url="mcp.example.com")
    assert "https://" in str(raised.value) and SECRET not in str(raised.value)


def _echoes(secret: str) -> list[str]:
    """How a server may echo a secret: cased, percent-encoded (lower-hex, fully, twice), base64 and hex."""
    raw = secret.encode()
    return [
        secret.upper(),
        quote(secret, safe="").lower(),
        "".join(f"%{b:02x}" for b in raw),
        quote(quote(secret, safe=""), safe=""),
        base64.b64encode(raw).decode(),
        raw.hex(),
    ]


@pytest.mark.parametrize("which", ["api key", "webhook secret"])
async def test_no_spelling_of_a_secret_reaches_the_model_or_the_log(
    client: Client, egoi: respx.MockRouter, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    secret = API_KEY if which == "api key" else SECRET
    for echoed in _echoes(secret):
        item = {"list_id": 1, "internal_name": f"leak {echoed}", "public_name": "x"}
        egoi.get("/lists").respond(200, json={"total_items": 1, "items": [item]})
        is_error, text = await _text(client, "egoi_list_lists")
        assert not is_error and echoed not in text and "[redacted]" in text, (echoed, text)
        egoi.get("/campaigns").respond(422, json={"title": "Unprocessable", "detail": f"bad {echoed}"})
        with caplog.at_level(logging.INFO):
            is_error, text = await _text(client, "egoi_list_campaigns")
        assert is_error and echoed not in text, (echoed, text)
    assert not any(echoed in caplog.text for echoed in _echoes(secret))
