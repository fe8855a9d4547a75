"""`tools/list` size: what a model reads on every turn, for the default server, `--read-only` and
`--toolsets contacts`.

Sizes are the bytes of compact JSON (`separators=(",", ":")`, camelCase, no nulls) of each tool as a 2025-era
client receives it. Tokens are ESTIMATED as bytes / 4 (no tokenizer is installed; JSON schemas tokenize at
roughly 3.5-4.5 bytes a token). Goal: <= 250 estimated tokens per tool on average; the largest tools are
listed. The baseline is the trivial SDK tool (`ping() -> str`), i.e. the fixed cost of any tool with an output
schema.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.server import MCPServer

from bench import header, line, quiet, record, verdict

GOAL_TOKENS = 250
CONFIGS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("default (all toolsets)", {}),
    ("--read-only", {"read_only": True}),
    ("--toolsets contacts", {"toolsets": ["contacts"]}),
)


def _size(obj: Any) -> int:
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


async def _tools(server: Any) -> list[dict[str, Any]]:
    async with Client(server, mode="legacy") as client:
        tools = (await client.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


async def _measure() -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    from egoi_mcp.config import Settings
    from egoi_mcp.server import build_server

    found: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
        for label, overrides in CONFIGS:
            settings = Settings(
                sandbox=True,
                db=Path(tmp) / "e.db",
                webhook_secret="bench-secret-0001",
                log_level="WARNING",
                **overrides,
            )
            found[label] = await _tools(build_server(settings).mcp)

    baseline = MCPServer("baseline")

    @baseline.tool()
    async def ping() -> str:
        """Return pong."""
        return "pong"

    return found, await _tools(baseline)


def run() -> None:
    quiet()
    header("tools/list size (tokens estimated as bytes/4)")
    found, baseline = anyio.run(_measure)
    base_bytes = _size(baseline[0])
    line(f"baseline: one trivial SDK tool `ping() -> str` = {base_bytes} B = ~{base_bytes / 4:.0f} tokens")
    for label, tools in found.items():
        total = _size({"tools": tools})
        per_tool = total / len(tools)
        tokens = per_tool / 4
        ok = tokens <= GOAL_TOKENS
        largest = sorted(tools, key=_size, reverse=True)[:3]
        biggest = ", ".join(f"{t['name']} ~{_size(t) / 4:.0f}" for t in largest)
        line(
            f"{label:<24}: {len(tools):2d} tools, {total} B = ~{total / 4:.0f} tokens in total, "
            f"~{tokens:.0f} tokens/tool ({per_tool / base_bytes:.1f}x the trivial tool), goal <= {GOAL_TOKENS}: "
            f"{verdict(ok)}; largest: {biggest}"
        )
        record(
            "tools/list size", f"{label}: {len(tools)} tools, ~{total / 4:.0f} tokens total",
            f"~{tokens:.0f} tok/tool", f"~{base_bytes / 4:.0f} tok", f"{per_tool / base_bytes:.1f}x",
            f"<= {GOAL_TOKENS} tok/tool", verdict(ok),
        )  # fmt: skip
    over = [t for t in found[CONFIGS[0][0]] if _size(t) / 4 > GOAL_TOKENS]
    if over:
        line(
            "tools over the per-tool budget on their own: "
            + ", ".join(f"{t['name']} ~{_size(t) / 4:.0f}" for t in over)
        )
        for tool in over:
            parts = {key: _size(value) for key, value in tool.items()}
            line(
                f"  {tool['name']}: " + ", ".join(f"{k} {v} B" for k, v in sorted(parts.items(), key=lambda kv: -kv[1]))
            )


if __name__ == "__main__":
    run()
