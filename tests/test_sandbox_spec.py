"""The sandbox against E-goi's own OpenAPI: every status it serves is documented, every body validates (the
contract and its conversion into JSON Schema: tests/sandbox_contract.py; the cases: tests/sandbox_spec_cases.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from egoi_mcp.sandbox import Sandbox, create_app
from tests.sandbox_contract import FORMATS, contract, to_json_schema
from tests.sandbox_spec_cases import CASES, KEY, Case


async def _call(app: Any, case: Case, headers: dict[str, str] | None = None) -> httpx.Response:
    sandbox: Sandbox = app.state.sandbox
    if case.arrange:
        case.arrange(sandbox)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as http:
        response = await http.request(
            case.method,
            case.url(sandbox),
            params=case.params,
            json=case.body(sandbox),
            content=case.content,
            headers=KEY if headers is None else headers,
        )
    await sandbox.aclose()  # the callbacks and webhook deliveries it started have ended
    return response


@pytest.mark.anyio
@pytest.mark.parametrize("name", CASES)
async def test_response_matches_the_spec(name: str) -> None:
    case = CASES[name]
    response = await _call(create_app(), case)
    assert response.status_code == case.status, response.text
    contract().check(case.method, case.spec_path, response)


# Every operation the sandbox serves, once each.
OPERATIONS = {(case.method, case.spec_path): case for case in reversed(CASES.values()) if case.status < 300}


def test_every_operation_has_a_success_case() -> None:
    served = {
        (method, route.path)
        for route in create_app().routes
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }
    assert served == set(OPERATIONS)


@pytest.mark.anyio
@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op[1] != "/ping"], ids=" ".join)
async def test_missing_key_is_401(operation: tuple[str, str]) -> None:
    response = await _call(create_app(), OPERATIONS[operation], headers={})
    assert response.status_code == 401
    contract().check(*operation, response)


@pytest.mark.anyio
@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op[1] != "/ping"], ids=" ".join)
async def test_wrong_key_is_403(operation: tuple[str, str]) -> None:
    response = await _call(create_app(api_key="the-right-key"), OPERATIONS[operation], headers={"Apikey": "wrong"})
    assert response.status_code == 403
    contract().check(*operation, response)


@pytest.mark.anyio
@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op[1] != "/ping"], ids=" ".join)
async def test_spent_budget_is_429(operation: tuple[str, str]) -> None:
    response = await _call(create_app(rate_limit=0), OPERATIONS[operation])
    assert response.status_code == 429
    assert response.headers["x-ratelimit-remaining"] == "0"
    contract().check(*operation, response)


@pytest.mark.anyio
async def test_ping_needs_no_key_and_no_budget() -> None:
    response = await _call(create_app(api_key="k", rate_limit=0), CASES["ping"], headers={})
    assert response.status_code == 200
    contract().check("POST", "/ping", response)


def test_converter_handles_openapi_specifics() -> None:
    schema = {
        "type": "object",
        "required": ["a", "secret"],
        "discriminator": {"propertyName": "a"},
        "properties": {
            "a": {"type": "string", "nullable": True, "enum": ["x"], "readOnly": True, "example": "x"},
            "secret": {"type": "string", "writeOnly": True},
            "example": {"$ref": "#/components/schemas/Thing"},
        },
    }
    assert to_json_schema(schema) == {
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": {"type": ["string", "null"], "enum": ["x", None]},
            "secret": {"type": "string"},
            "example": {"$ref": "#/$defs/Thing"},
        },
    }
    assert to_json_schema({"type": "date", "example": "01-01-1970"}) == {"type": "string", "format": "date"}
    now = datetime.now(UTC)
    assert FORMATS.conforms(now.strftime("%Y-%m-%d %H:%M:%S"), "date-time")
    assert not FORMATS.conforms(now.isoformat(), "date-time")
