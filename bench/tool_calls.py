"""Per tool call: a read tool (`egoi_list_lists` on the sandbox) vs a trivial SDK tool returning a string.

Both servers run as real processes and are driven by the SDK's own `Client`:
- stdio: `Client(stdio_client(StdioServerParameters(...)))`, one server process per client;
- HTTP: uvicorn on loopback in a subprocess (`egoi-mcp --transport http --sandbox` vs the baseline's
  `streamable_http_app()`), `Client(url)`.
Both protocol eras: `mode="auto"` (lands on 2026-07-28) and `mode="legacy"` (2025-11-25 handshake).
WARMUP calls each, then ROUNDS x PER_ROUND sequential calls, alternating rounds between the two servers.
Each call is timed; the figure is the median call latency. Goal: egoi-mcp <= 2x the baseline.

What the ratio contains: egoi-mcp's call also makes one upstream request to the in-process sandbox (an ASGI
round trip through httpx, the rate limiter and the sandbox's guard), validates and serializes a `Page` of
lists. The baseline does none of that; it is the SDK's floor.
"""

from __future__ import annotations

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
    free_port,
    header,
    line,
    median,
    quiet,
    record,
    stop,
    us,
    verdict,
    wait_port,
    write_baseline,
)

WARMUP = 30
ROUNDS = 3
PER_ROUND = 100
GOAL = 2.0
MODES = ("auto", "legacy")


async def _timed(client: Client, tool: str, n: int) -> list[float]:
    times: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        result = await client.call_tool(tool, {})
        times.append(time.perf_counter() - start)
        if result.is_error:
            raise RuntimeError(f"{tool} failed: {result.content}")
    return times


async def _pair(ours_target: Any, base_target: Any, mode: str) -> tuple[list[float], list[float], str]:
    ours_times: list[float] = []
    base_times: list[float] = []
    async with Client(ours_target, mode=mode) as ours, Client(base_target, mode=mode) as base:
        await _timed(ours, "egoi_list_lists", WARMUP)
        await _timed(base, "ping", WARMUP)
        for _ in range(ROUNDS):
            ours_times += await _timed(ours, "egoi_list_lists", PER_ROUND)
            base_times += await _timed(base, "ping", PER_ROUND)
        protocol = str(getattr(ours, "protocol_version", "") or "")
    return ours_times, base_times, protocol


def _report(transport: str, mode: str, ours: list[float], base: list[float]) -> None:
    ratio = median(ours) / median(base)
    ok = ratio <= GOAL
    ours_rate, base_rate = len(ours) / sum(ours), len(base) / sum(base)
    line(
        f"{transport:<5} {mode:<6}: egoi_list_lists median {us(median(ours))} ({ours_rate:.0f} calls/s)"
        f" | baseline ping median {us(median(base))} ({base_rate:.0f} calls/s)"
        f" | ratio {ratio:.2f}x {verdict(ok)}"
    )
    era = "2026-07-28" if mode == "auto" else "2025-11-25"
    record(
        "per tool call", f"{transport}, {era} ({mode}), median of {len(ours)}", us(median(ours)), us(median(base)),
        f"{ratio:.2f}x", f"<= {GOAL:.0f}x", verdict(ok),
    )  # fmt: skip


async def _stdio(directory: Path, baseline: Path, errlog: Any) -> None:
    env = clean_env(EGOI_MCP_DB=str(directory / "stdio.db"), EGOI_WEBHOOK_SECRET="bench-secret-0001")
    for mode in MODES:
        ours = stdio_client(
            StdioServerParameters(command=PY, args=["-m", "egoi_mcp", "--sandbox"], env=env), errlog=errlog
        )
        base = stdio_client(StdioServerParameters(command=PY, args=[str(baseline)], env=env), errlog=errlog)
        ours_times, base_times, _ = await _pair(ours, base, mode)
        _report("stdio", mode, ours_times, base_times)


async def _http(ours_url: str, base_url: str) -> None:
    for mode in MODES:
        ours_times, base_times, _ = await _pair(ours_url, base_url, mode)
        _report("HTTP", mode, ours_times, base_times)


async def _breakdown(directory: Path) -> tuple[float, float, float]:
    """In-process medians (no transport): the whole egoi_list_lists call, its upstream leg alone
    (`EGoiClient.get_lists` against the in-process sandbox), and the baseline tool."""
    from mcp.server import MCPServer

    from egoi_mcp.config import Settings
    from egoi_mcp.server import build_server

    server = build_server(
        Settings(sandbox=True, db=directory / "inproc.db", webhook_secret="bench-secret-0001", log_level="WARNING")
    )
    baseline = MCPServer("baseline")

    @baseline.tool()
    async def ping() -> str:
        """Return pong."""
        return "pong"

    async def each(fn: Any, n: int = PER_ROUND) -> list[float]:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            await fn()
            times.append(time.perf_counter() - start)
        return times

    whole: list[float] = []
    upstream: list[float] = []
    base: list[float] = []
    async with Client(server.mcp, mode="auto") as ours, Client(baseline, mode="auto") as theirs:
        await each(lambda: ours.call_tool("egoi_list_lists", {}), WARMUP)
        await each(lambda: theirs.call_tool("ping", {}), WARMUP)
        for _ in range(ROUNDS):
            whole += await each(lambda: ours.call_tool("egoi_list_lists", {}))
            upstream += await each(server.current().client.get_lists)
            base += await each(lambda: theirs.call_tool("ping", {}))
    return median(whole), median(upstream), median(base)


def run() -> None:
    quiet()
    header("per tool call: egoi_list_lists (sandbox) vs a trivial SDK tool")
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
        whole, upstream, base_inproc = anyio.run(_breakdown, directory)
        line(
            f"in-process breakdown (2026 era, no transport): egoi_list_lists {us(whole)} = upstream leg "
            f"(EGoiClient.get_lists -> httpx ASGITransport -> sandbox) {us(upstream)}"
            f" + MCP layer {us(whole - upstream)}"
            f"; baseline ping {us(base_inproc)} (MCP layer only)"
        )


if __name__ == "__main__":
    run()
