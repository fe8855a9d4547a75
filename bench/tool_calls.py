"""Per tool call: every read tool of egoi-mcp (on the sandbox) vs a trivial SDK tool returning a string.

Both servers run as real processes and are driven by the SDK's own `Client`:
- stdio, every read tool: `egoi-mcp --sandbox` and the baseline script, one process per client; the events page
  is first filled through a real webhook (see `bench.populate_events`), `egoi_get_contact` reads a seeded contact;
- HTTP, `egoi_list_lists`: uvicorn on loopback in a subprocess (`egoi-mcp --transport http --sandbox` vs the
  baseline's `streamable_http_app()`), `Client(url)`.
Both protocol eras: `mode="auto"` (lands on 2026-07-28) and `mode="legacy"` (2025-11-25 handshake).
WARMUP calls each, then ROUNDS x PER_ROUND sequential calls, alternating rounds between the two servers.
Each call is timed; the figure is the median call latency and its ratio to the baseline's median measured
alongside. Goal: egoi-mcp <= 1.5x the baseline (issue 11 measured 1.8-2.2x, and up to 4x for egoi_list_events).

What the ratio contains: egoi-mcp's call also makes one upstream request to the in-process sandbox (an ASGI
round trip through httpx, the rate limiter and the sandbox's guard), validates and serializes its result. The
baseline does none of that; it is the SDK's floor. A second baseline, for information, is the SDK alone answering
with the very result `egoi_list_contacts` gave (same text, structured content, `_meta` and output schema, saved
from the run): what carrying a page of 25 contacts costs the SDK and its client, before any work of ours.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from bench import (
    PY,
    clean_env,
    egoi_stdio,
    free_port,
    header,
    line,
    median,
    populate_events,
    quiet,
    record,
    stop,
    us,
    verdict,
    wait_port,
    write_baseline,
)

WARMUP = 20
ROUNDS = 3
PER_ROUND = 60
GOAL = 1.5
MODES = ("auto", "legacy")
SAME_RESULT_AS = "egoi_list_contacts"  # the largest default read result: the SDK's floor for it, for information
SEEDED_EMAIL = "ana.silva@example.com"  # a contact the sandbox is seeded with (list 1)
# a sent campaign of list 1 (for the report) is found with egoi_list_campaigns


SAME_RESULT_SERVER = '''\
"""The SDK alone answering one tool, `page`, with a saved result (argv[1]: JSON), as egoi-mcp published it."""
import json
import sys

from mcp.server import MCPServer
from mcp.types import CallToolResult, TextContent

from egoi_mcp._sdk import registered_tool

with open(sys.argv[1]) as file:
    saved = json.load(file)
mcp = MCPServer("same-result")


@mcp.tool()
async def page() -> CallToolResult:
    """Return the saved result."""
    text = TextContent(type="text", text=saved["text"])
    return CallToolResult(content=[text], structured_content=saved["structured"], _meta=saved["meta"])


registered_tool(mcp, "page").fn_metadata.output_schema = saved["schema"]  # published, so the client validates it
mcp.run()
'''


async def _save_result(client: Client, tool: str, args: dict[str, Any], path: Path) -> None:
    """One result of `tool` as the same-result server needs it: its text, structured content, `_meta`, schema."""
    result = await client.call_tool(tool, args)
    schema = next(t.output_schema for t in (await client.list_tools()).tools if t.name == tool)
    text = "".join(getattr(block, "text", "") for block in result.content)
    path.write_text(json.dumps({"text": text, "structured": result.structured_content, "meta": result.meta,
                                "schema": schema}))  # fmt: skip


async def _same_result(
    directory: Path, env: dict[str, str], errlog: Any, mode: str, base: Client, ours: Client, args: dict[str, Any]
) -> None:
    """Information: the SDK alone answering with `SAME_RESULT_AS`'s result, against the same trivial baseline."""
    script, saved = directory / "same_result_server.py", directory / f"same_result_{mode}.json"
    script.write_text(SAME_RESULT_SERVER)
    await _save_result(ours, SAME_RESULT_AS, args, saved)
    target = stdio_client(StdioServerParameters(command=PY, args=[str(script), str(saved)], env=env), errlog=errlog)
    async with Client(target, mode=mode) as same:
        same_times, base_times = await _pair(same, base, "page", {})
    ratio = median(same_times) / median(base_times)
    line(f"stdio {mode:<6} the SDK alone, {SAME_RESULT_AS}'s result: median {us(median(same_times)):>8} | "
         f"baseline ping {us(median(base_times)):>8} | ratio {ratio:.2f}x (information)")  # fmt: skip
    era = "2026-07-28" if mode == "auto" else "2025-11-25"
    record(
        "per tool call", f"the SDK alone answering {SAME_RESULT_AS}'s result, stdio, {era} ({mode})",
        us(median(same_times)), us(median(base_times)), f"{ratio:.2f}x", "", "info",
    )  # fmt: skip


async def _timed(client: Client, tool: str, args: dict[str, Any], n: int) -> list[float]:
    times: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        result = await client.call_tool(tool, args)
        times.append(time.perf_counter() - start)
        if result.is_error:
            raise RuntimeError(f"{tool} failed: {result.content}")
    return times


async def _read_calls(client: Client) -> dict[str, dict[str, Any]]:
    """Every read tool the server registers, with arguments that give a real answer."""
    found = await client.call_tool("egoi_search_contacts", {"query": SEEDED_EMAIL, "list_id": 1})
    contact_id = (found.structured_content or {})["items"][0]["id"]
    sent = await client.call_tool("egoi_list_campaigns", {"list_id": 1, "status": "sent", "limit": 1})
    campaign_id = (sent.structured_content or {})["items"][0]["id"]
    samples: dict[str, dict[str, Any]] = {
        "egoi_search_contacts": {"query": SEEDED_EMAIL, "list_id": 1},
        "egoi_get_contact": {"contact_id": contact_id, "list_id": 1},
        "egoi_get_contact_activity": {"contact_id": contact_id, "list_id": 1},
        "egoi_get_campaign_report": {"campaign_id": campaign_id},
        "egoi_get_campaign": {"campaign_id": campaign_id},
    }
    tools = (await client.list_tools()).tools
    read = [t for t in tools if t.annotations is not None and t.annotations.read_only_hint]
    # a read tool needing an id the sandbox does not seed (a job's) is left out, said in the output
    callable_ = [t.name for t in read if t.name in samples or not t.input_schema.get("required")]
    skipped = sorted({t.name for t in read} - set(callable_))
    if skipped:
        line(f"left out (they need an id only a job gives): {', '.join(skipped)}")
    return {name: samples.get(name, {}) for name in sorted(callable_)}


async def _pair(ours: Client, base: Client, tool: str, args: dict[str, Any]) -> tuple[list[float], list[float]]:
    ours_times: list[float] = []
    base_times: list[float] = []
    await _timed(ours, tool, args, WARMUP)
    await _timed(base, "ping", {}, WARMUP)
    for _ in range(ROUNDS):
        ours_times += await _timed(ours, tool, args, PER_ROUND)
        base_times += await _timed(base, "ping", {}, PER_ROUND)
    return ours_times, base_times


def _report(transport: str, mode: str, tool: str, ours: list[float], base: list[float]) -> None:
    ratio = median(ours) / median(base)
    ok = ratio <= GOAL
    line(
        f"{transport:<5} {mode:<6} {tool:<22}: median {us(median(ours)):>8} | baseline ping {us(median(base)):>8}"
        f" | ratio {ratio:.2f}x {verdict(ok)}"
    )
    era = "2026-07-28" if mode == "auto" else "2025-11-25"
    record(
        "per tool call", f"{tool}, {transport}, {era} ({mode}), median of {len(ours)}", us(median(ours)),
        us(median(base)), f"{ratio:.2f}x", f"<= {GOAL}x", verdict(ok),
    )  # fmt: skip


async def _stdio(directory: Path, baseline: Path, errlog: Any) -> None:
    env = clean_env(EGOI_MCP_DB=str(directory / "stdio.db"), EGOI_WEBHOOK_SECRET="bench-secret-0001")
    for mode in MODES:
        base_target = stdio_client(StdioServerParameters(command=PY, args=[str(baseline)], env=env), errlog=errlog)
        # every read tool, listed or not (the calls cost the same either way)
        async with (
            Client(egoi_stdio(env, "--toolsets", "all"), mode=mode) as ours,
            Client(base_target, mode=mode) as base,
        ):
            await populate_events(ours)
            calls = await _read_calls(ours)
            for tool, args in calls.items():
                ours_times, base_times = await _pair(ours, base, tool, args)
                _report("stdio", mode, tool, ours_times, base_times)
            await _same_result(directory, env, errlog, mode, base, ours, calls[SAME_RESULT_AS])


async def _http(ours_url: str, base_url: str) -> None:
    for mode in MODES:
        async with Client(ours_url, mode=mode) as ours, Client(base_url, mode=mode) as base:
            ours_times, base_times = await _pair(ours, base, "egoi_list_lists", {})
        _report("HTTP", mode, "egoi_list_lists", ours_times, base_times)


def run() -> None:
    quiet()
    header("per tool call: egoi-mcp's read tools (sandbox) vs a trivial SDK tool")
    line(f"{WARMUP} warm-up calls, then {ROUNDS}x{PER_ROUND} sequential calls each, rounds alternating")
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp, open(os.devnull, "w") as devnull:
        directory = Path(tmp)
        baseline = write_baseline(directory)
        anyio.run(_stdio, directory, baseline, devnull)

        ours_port, base_port = free_port(), free_port()
        env = clean_env(EGOI_MCP_DB=str(directory / "http.db"), EGOI_WEBHOOK_SECRET="bench-secret-0001")
        ours = subprocess.Popen(
            [PY, "-m", "egoi_mcp", "--transport", "http", "--sandbox", "--port", str(ours_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        base = subprocess.Popen(
            [PY, str(baseline), "http", str(base_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        try:
            wait_port(ours_port, ours)
            wait_port(base_port, base)
            anyio.run(_http, f"http://127.0.0.1:{ours_port}/mcp", f"http://127.0.0.1:{base_port}/mcp")
        finally:
            stop(ours)
            stop(base)


if __name__ == "__main__":
    run()
