"""`tools/list` size: what a model reads on every turn, in every registration mode: all toolsets,
`--read-only`, and each toolset alone (`--toolsets NAME`).

Each mode is a real `egoi-mcp --sandbox ...` stdio process listed by the SDK's `Client` (2025-11-25 era). Sizes
are the bytes of compact JSON (`separators=(",", ":")`, camelCase, no nulls) of each tool as the client receives
it. Tokens are ESTIMATED as bytes / 4 (no tokenizer is installed; JSON schemas tokenize at roughly 3.5-4.5 bytes
a token). Goal: <= 250 estimated tokens per tool in every mode; the largest tools are listed. The baseline is
the trivial SDK tool (`ping() -> str`), i.e. the fixed cost of any tool with an output schema. Issue 11 measured
260 and 293 tokens per tool in two modes before the schemas were reworked.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.server import MCPServer

from bench import clean_env, egoi_stdio, header, line, quiet, record, toolsets, verdict

GOAL_TOKENS = 250


def _size(obj: Any) -> int:
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


async def _tools(target: Any) -> list[dict[str, Any]]:
    async with Client(target, mode="legacy") as client:
        tools = (await client.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


def _modes() -> list[tuple[str, list[str]]]:
    modes = [("all toolsets", []), ("--read-only", ["--read-only"])]
    modes += [(f"--toolsets {name}", ["--toolsets", name]) for name in toolsets()]
    return modes


async def _measure(directory: Path) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    env = clean_env(EGOI_MCP_DB=str(directory / "events.db"), EGOI_WEBHOOK_SECRET="bench-secret-0001")
    found = {label: await _tools(egoi_stdio(env, *flags)) for label, flags in _modes()}

    baseline = MCPServer("baseline")

    @baseline.tool()
    async def ping() -> str:
        """Return pong."""
        return "pong"

    return found, await _tools(baseline)


def run() -> None:
    quiet()
    header("tools/list size in every registration mode (tokens estimated as bytes/4)")
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
        found, baseline = anyio.run(_measure, Path(tmp))
    base_bytes = _size(baseline[0])
    line(f"baseline: one trivial SDK tool `ping() -> str` = {base_bytes} B = ~{base_bytes / 4:.0f} tokens")
    for label, tools in found.items():
        total = _size({"tools": tools})
        per_tool = total / len(tools)
        tokens = per_tool / 4
        ok = tokens <= GOAL_TOKENS
        biggest = ", ".join(f"{t['name']} ~{_size(t) / 4:.0f}" for t in sorted(tools, key=_size, reverse=True)[:3])
        line(
            f"{label:<22}: {len(tools):2d} tools, {total:6d} B = ~{total / 4:5.0f} tokens, "
            f"~{tokens:.0f} tokens/tool ({per_tool / base_bytes:.1f}x the trivial tool), goal <= {GOAL_TOKENS}: "
            f"{verdict(ok)}; largest: {biggest}"
        )
        record(
            "tools/list size", f"{label}: {len(tools)} tools, ~{total / 4:.0f} tokens total",
            f"~{tokens:.0f} tok/tool", f"~{base_bytes / 4:.0f} tok", f"{per_tool / base_bytes:.1f}x",
            f"<= {GOAL_TOKENS} tok/tool", verdict(ok),
        )  # fmt: skip
    over = [t for t in found["all toolsets"] if _size(t) / 4 > GOAL_TOKENS]
    for tool in over:
        parts = {key: _size(value) for key, value in tool.items()}
        ranked = ", ".join(f"{k} {v} B" for k, v in sorted(parts.items(), key=lambda kv: -kv[1]))
        line(f"  over the per-tool budget on its own: {tool['name']} ~{_size(tool) / 4:.0f} tokens: {ranked}")


if __name__ == "__main__":
    run()
