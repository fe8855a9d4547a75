"""Render `tools/list` as a client sees it, every tool listed (`--toolsets all`). `python -m tests.snapshot --write`
writes one snapshot file per tool in tests/toolsnaps/ (`<tool>.json`) and drops the files of tools that are gone."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client


async def _tools(
    read_only: bool = False, toolsets: list[str] | None = None, discovery: bool = False
) -> list[dict[str, Any]]:
    from egoi_mcp.config import Settings
    from egoi_mcp.server import build_server
    from egoi_mcp.tools import TOOLSET_NAMES as TOOLSETS

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            sandbox=True, db=Path(tmp) / "e.db", webhook_secret="snapshot-secret-0001", read_only=read_only,
            toolsets=None if discovery else toolsets or list(TOOLSETS),
        )  # fmt: skip
        server = build_server(settings)
        async with Client(server.mcp, mode="legacy") as client:
            tools = (await client.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


def render_tools_list(
    read_only: bool = False, toolsets: list[str] | None = None, discovery: bool = False
) -> list[dict[str, Any]]:
    """The tools a client lists: every one of `toolsets` (all by default), or with `discovery` the default set."""
    return anyio.run(_tools, read_only, toolsets, discovery)


def every_tool_rendered() -> dict[str, dict[str, Any]]:
    """Every tool, each as listed: all toolsets, and discovery's own two from the default listing."""
    rendered = {tool["name"]: tool for tool in render_tools_list()}
    return rendered | {tool["name"]: tool for tool in render_tools_list(discovery=True) if tool["name"] not in rendered}


SNAPS = Path(__file__).with_name("toolsnaps")


def snapshot_text(tool: dict[str, Any]) -> str:
    return json.dumps(tool, indent=2, ensure_ascii=False) + "\n"


def write_snapshots() -> None:
    SNAPS.mkdir(exist_ok=True)
    rendered = every_tool_rendered()
    for stale in SNAPS.glob("*.json"):
        if stale.stem not in rendered:
            stale.unlink()
    for name, tool in rendered.items():
        (SNAPS / f"{name}.json").write_text(snapshot_text(tool))


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_snapshots()
    else:
        print(json.dumps(render_tools_list(), indent=2))
