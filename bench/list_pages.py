"""Result size: the text of a default page (no arguments) of every list tool, as a model reads it.

One real `egoi-mcp --sandbox` stdio process, driven by the SDK's `Client`. Before measuring, the events page is
filled the way a user fills it: `egoi_register_webhook` on a list, then new contacts whose `new_subscriber`
deliveries the sandbox posts to the server's receiver. For each `egoi_list_*` tool the figure is the bytes of its
text content; the baseline, measured in the same run, is the same `structuredContent` pretty-printed
(`json.dumps(indent=2)`, what the text was before issue 11). Goal: the text is >= 25% smaller (ratio <= 0.75).
Tokens are o200k tokens (bench/tokens.py). Issue 11 measured a default `egoi_list_events` page at ~3,800 tokens of text.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from bench import clean_env, egoi_stdio, header, line, populate_events, quiet, record, verdict
from bench.tokens import tokens

GOAL = 0.75


async def _pages(directory: Path) -> list[tuple[str, int, int, int, int]]:
    """(tool, items, text bytes, compact bytes, pretty bytes) for every list tool's default page."""
    env = clean_env(EGOI_MCP_DB=str(directory / "events.db"), EGOI_WEBHOOK_SECRET="bench-secret-0001")
    rows = []
    async with Client(egoi_stdio(env, "--toolsets", "all"), mode="legacy") as client:  # every list tool
        await populate_events(client)
        names = sorted(t.name for t in (await client.list_tools()).tools if t.name.startswith("egoi_list_"))
        for name in names:
            result = await client.call_tool(name, {})
            if result.is_error or result.structured_content is None:
                raise RuntimeError(f"{name} gave no structured result: {result.content}")
            data: Any = result.structured_content
            text = "".join(getattr(block, "text", "") for block in result.content)
            compact = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
            pretty = json.dumps(data, indent=2, ensure_ascii=False)
            rows.append((name, len(data.get("items", [])), tokens(text), tokens(compact), tokens(pretty)))
    return rows


def run() -> None:
    quiet()
    header("default page of each list tool: text sent vs the same data pretty-printed (o200k tokens)")
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
        rows = anyio.run(_pages, Path(tmp))
    for name, items, text, compact, pretty in rows:
        ratio = text / pretty
        ok = ratio <= GOAL
        same = "text == compact JSON of structuredContent" if text == compact else f"compact would be {compact} tok"
        line(
            f"{name:<20} {items:3d} items: text {text:6d} tok | pretty {pretty:6d} tok "
            f"| ratio {ratio:.2f} {verdict(ok)} | {same}"
        )
        record(
            "list page text", f"{name}, default page ({items} items)", f"{text} tok",
            f"{pretty} tok pretty", f"{ratio:.2f}x", f"<= {GOAL}x", verdict(ok),
        )  # fmt: skip


if __name__ == "__main__":
    run()
