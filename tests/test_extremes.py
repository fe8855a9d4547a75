"""Extreme values in every tool's schema, on both store engines and in both eras: an answer or a clear error,
never a traceback. The arguments are drawn from each tool's own registered input schema (so a new tool or
parameter is covered as it is added): numbers at and past 32 and 64 bits, strings with NUL, bidi and emoji,
dates at the ends of the calendar and its offsets, cursors naming positions past any integer, very long text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.server import MCPServer

from egoi_mcp import _sdk
from egoi_mcp.server import EgoiServer, build_server
from egoi_mcp.tools import register_tools
from tests.conftest import make_settings
from tests.test_properties import assert_answered

pytestmark = pytest.mark.anyio

EXTREMES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

INTS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30, 10**5000]
STRINGS = [
    "", " ", "\x00", "a\x00b", "a" * 5000, "😀" * 300, "\u202eevil", "\u200b", "-1", "1e308", "NaN",
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1969-12-31T23:59:59Z", "2026-02-30T00:00:00Z",
    "ev:" + "9" * 30, "ZXY6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ", "../../lists", "%00", "' OR 1=1 --",
]  # fmt: skip


def _schemas() -> dict[str, dict[str, Any]]:
    """Every tool's registered input schema, read without starting anything."""
    server: MCPServer = MCPServer("schemas")
    return {name: _sdk.registered_tool(server, name).parameters for name in register_tools(server, read_only=False)}


def _value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    kinds = schema.get("type") or [t.get("type") for t in schema.get("anyOf", [])]
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k]
    options: list[st.SearchStrategy[Any]] = [st.none()] if "null" in kinds else []
    if "integer" in kinds or "number" in kinds:
        options += [st.sampled_from(INTS), st.integers()]
    if "string" in kinds or not kinds:
        options += [st.sampled_from(STRINGS), st.text(max_size=40)]
    if "boolean" in kinds:
        options.append(st.booleans())
    if "array" in kinds:
        options.append(st.lists(st.sampled_from(STRINGS) | st.sampled_from(INTS), max_size=3))
    if "object" in kinds:
        options.append(st.dictionaries(st.sampled_from(STRINGS), st.sampled_from(STRINGS), max_size=2))
    return st.one_of(options) if options else st.none()


def _arguments(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    return st.fixed_dictionaries(
        {name: _value(p) for name, p in properties.items() if name in required},
        optional={name: _value(p) for name, p in properties.items() if name not in required},
    )


SCHEMAS = _schemas()


@pytest.fixture(params=["sqlite", "postgresql"])
async def server(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EgoiServer]:
    db: Any = request.getfixturevalue("postgres_url") if request.param == "postgresql" else tmp_path / "e.db"
    yield build_server(make_settings(tmp_path, db=db, log_level="CRITICAL"))


@pytest.fixture(params=["auto", "legacy"])
async def client(request: pytest.FixtureRequest, server: EgoiServer) -> AsyncIterator[Client]:
    async with Client(server.mcp, mode=request.param) as c:
        yield c


def _extremes_of(tool: str) -> Any:
    @EXTREMES
    @given(arguments=_arguments(SCHEMAS[tool]))
    async def test(client: Client, arguments: dict[str, Any]) -> None:
        result = await client.call_tool(tool, arguments)
        assert_answered(tool, result)
        text = "".join(getattr(c, "text", "") for c in result.content)
        assert len(text) < 300_000 and "Traceback" not in text
        assert not (await client.call_tool("egoi_list_lists", {"limit": 1})).is_error, "the server still serves"

    test.__name__ = test.__qualname__ = f"test_extreme_arguments_to_{tool}_are_answered"
    return test


for _tool in SCHEMAS:
    globals()[f"test_extreme_arguments_to_{_tool}_are_answered"] = _extremes_of(_tool)


def _plain(schema: dict[str, Any]) -> Any:
    """An ordinary value of a property's type, for the required ones while another property is pushed."""
    kinds = schema.get("type") or [t.get("type") for t in schema.get("anyOf", [])]
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return 1 if "integer" in kinds else ["x"] if "array" in kinds else False if "boolean" in kinds else "x"


async def test_every_extreme_in_every_parameter_is_answered(server: EgoiServer) -> None:
    """The sweep hypothesis may miss: each extreme, in each parameter of each tool, one at a time."""
    async with Client(server.mcp) as client:
        for tool, schema in SCHEMAS.items():
            properties = schema.get("properties") or {}
            base = {name: _plain(properties[name]) for name in schema.get("required") or []}
            for name in properties:
                for extreme in [*INTS, *STRINGS, [*INTS[3:6]], [STRINGS[3]]]:
                    result = await client.call_tool(tool, {**base, name: extreme})
                    assert_answered(tool, result)
