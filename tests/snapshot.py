"""Render `tools/list` as a client sees it. `python -m tests.snapshot --write` updates tests/tools_list.json."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client


async def _tools(read_only: bool = False, toolsets: list[str] | None = None) -> list[dict[str, Any]]:
    from egoi_mcp.config import Settings
    from egoi_mcp.server import build_server
    from egoi_mcp.tools import TOOLSET_NAMES as TOOLSETS

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            sandbox=True, db=Path(tmp) / "e.db", webhook_secret="snapshot-secret-0001", read_only=read_only,
            toolsets=toolsets or list(TOOLSETS),
        )  # fmt: skip
        server = build_server(settings)
        async with Client(server.mcp, mode="legacy") as client:
            tools = (await client.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


def render_tools_list(read_only: bool = False, toolsets: list[str] | None = None) -> list[dict[str, Any]]:
    return anyio.run(_tools, read_only, toolsets)


if __name__ == "__main__":
    rendered = render_tools_list()
    if "--write" in sys.argv:
        Path(__file__).with_name("tools_list.json").write_text(json.dumps(rendered, indent=2) + "\n")
    else:
        print(json.dumps(rendered, indent=2))
