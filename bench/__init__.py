"""egoi-mcp benchmarks: `python -m bench` runs them all (`make bench`).

Every benchmark measures egoi-mcp and a baseline in the same run, on the same machine, and prints medians, the
ratio against the baseline, the goal and PASS/MISS. Each one records its figures here, and `__main__` prints
them all as one markdown table, with the machine, to paste into the README.

The shared baseline is the smallest server the same SDK allows: one `MCPServer` with one tool returning a
string (`BASELINE_SERVER`, written to a temporary directory and run as a script).
"""

from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PY = sys.executable
REPO = Path(__file__).resolve().parents[1]

BASELINE_SERVER = '''\
"""The smallest MCP server: one tool returning a string. `script.py` = stdio, `script.py http PORT` = HTTP."""
import sys

from mcp.server import MCPServer

mcp = MCPServer("baseline")


@mcp.tool()
async def ping() -> str:
    """Return pong."""
    return "pong"


if __name__ == "__main__":
    if sys.argv[1:2] == ["http"]:
        import uvicorn

        uvicorn.run(mcp.streamable_http_app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    else:
        mcp.run()
'''


@dataclass(frozen=True)
class Figure:
    """One row of the final table."""

    bench: str
    what: str
    ours: str
    baseline: str
    ratio: str
    goal: str
    verdict: str  # PASS, MISS, or "info" when there is no goal


FIGURES: list[Figure] = []


def record(
    bench: str, what: str, ours: str, baseline: str = "", ratio: str = "", goal: str = "", verdict: str = "info"
):
    figure = Figure(bench, what, ours, baseline, ratio, goal, verdict)
    FIGURES.append(figure)
    return figure


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


def header(title: str) -> None:
    print(f"\n## {title}", flush=True)


def line(text: str = "") -> None:
    print(text, flush=True)


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without any E-goi setting (no real key may leak into a benchmark), plus `extra`.

    PYTHONDONTWRITEBYTECODE is dropped: an installed package has its .pyc files (pip compiles them), so start-up
    is measured with them; the warm-up runs write egoi_mcp's own (git-ignored) __pycache__.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOI_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def write_baseline(directory: Path) -> Path:
    path = directory / "baseline_server.py"
    path.write_text(BASELINE_SERVER)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on {port} within {timeout}s")


def stop(proc: subprocess.Popen) -> None:
    """End a server this benchmark started (by its own handle, never by name)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def quiet() -> None:
    """In-process benchmarks: no per-request INFO lines from the HTTP clients or the SDK."""
    import logging

    for name in ("httpx", "httpx2", "httpcore", "mcp", "egoi_mcp"):
        logging.getLogger(name).setLevel(logging.WARNING)


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.lower().startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    import mcp  # noqa: F401  (the SDK version is part of the figures' context)

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "mcp": version("mcp"),
    }


def egoi_stdio(env: dict[str, str], *flags: str) -> Any:
    """`egoi-mcp --sandbox [flags]` as a real stdio server process, for `mcp.Client(...)`."""
    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=PY, args=["-m", "egoi_mcp", "--sandbox", *flags], env=env)
    return stdio_client(params, errlog=open(os.devnull, "w"))  # the server logs to stderr: not measured


def toolsets() -> tuple[str, ...]:
    """Every toolset name, from the package's own table."""
    from egoi_mcp.tools import TOOLSET_NAMES as TOOLSETS

    return tuple(TOOLSETS)


EVENTS_LIST_ID = 1


async def populate_events(client: Any, contacts: int = 30) -> None:
    """Real webhook events through the public surface: register the sandbox's webhook on a list, add `contacts`
    contacts (E-goi, here the sandbox, delivers one `new_subscriber` event each), wait until they are stored."""
    import anyio

    await client.call_tool("egoi_register_webhook", {"list_id": EVENTS_LIST_ID})
    stamp = f"{time.time_ns():x}"
    for i in range(contacts):
        email = f"bench.reader{i}.{stamp}@example.com"
        args = {"email": email, "first_name": "Bench", "last_name": f"Reader {i}", "list_id": EVENTS_LIST_ID}
        result = await client.call_tool("egoi_create_contact", args)
        if result.is_error:
            raise RuntimeError(f"egoi_create_contact failed: {result.content}")
    with anyio.fail_after(60):
        while True:
            page = await client.call_tool("egoi_list_events", {"limit": 100})
            if len((page.structured_content or {}).get("items", [])) >= contacts:
                return
            await anyio.sleep(0.1)
