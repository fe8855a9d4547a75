"""stdio start-up: from spawning the process until the answer to one JSON-RPC `initialize` line; and, as
information, until the answer to the `tools/list` a client sends next (the tools' definitions kept from an
earlier start, as after the first one; and with none kept, as on the very first start).

egoi-mcp is `python -m egoi_mcp --sandbox` (event store in a temporary directory); the baseline is the smallest
`MCPServer` with one tool, same SDK, same interpreter. One warm-up each (pyc files cached), then RUNS runs
each, alternating, so that drift hits both alike. Goal: egoi-mcp <= 1.25x the baseline. When it misses, the
`-X importtime` report names the modules egoi-mcp imports that the baseline does not, largest first.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench import PY, clean_env, header, line, median, ms, record, verdict, write_baseline

RUNS = 7
GOAL = 1.25
FULL = 100_000  # events in the store of the full-store figure: EGOI_MCP_EVENTS_MAX's default
INITIALIZE = (
    json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "0"},
            },
        }
    )
    + "\n"
).encode()
LIST_TOOLS = (
    json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
    + "\n"
    + json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
    + "\n"
).encode()


def time_initialize(
    cmd: list[str], env: dict[str, str], extra_args: tuple[str, ...] = (), *, then_list: bool = False
) -> tuple[float, str]:
    """Seconds from spawn to the `initialize` response line (with `then_list`, to the `tools/list` one), and
    whatever the process wrote to stderr."""
    # stderr goes to a file: `-X importtime` writes more than a pipe holds before the process answers.
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*cmd[:1], *extra_args, *cmd[1:]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=env
        )
        assert proc.stdin and proc.stdout
        proc.stdin.write(INITIALIZE + (LIST_TOOLS if then_list else b""))
        proc.stdin.flush()
        answer = proc.stdout.readline()
        if then_list:
            answer = proc.stdout.readline() if json.loads(answer).get("id") == 1 else b""
        elapsed = time.perf_counter() - start
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        stderr.seek(0)
        err = stderr.read().decode(errors="replace")
    message = json.loads(answer) if answer.strip() else {}
    if message.get("id") != (2 if then_list else 1) or "result" not in message:
        raise RuntimeError(f"{cmd} did not answer initialize: {answer[:300]!r} {err[-800:]}")
    return elapsed, err


def _imports(stderr: str) -> dict[str, tuple[int, int]]:
    """`-X importtime` lines -> {module: (self_us, cumulative_us)}."""
    found: dict[str, tuple[int, int]] = {}
    for row in stderr.splitlines():
        if not row.startswith("import time:") or "self [us]" in row:
            continue
        try:
            self_us, cumulative, name = (part.strip() for part in row[len("import time:") :].split("|"))
            found[name.strip()] = (int(self_us), int(cumulative))
        except ValueError:
            continue
    return found


def import_report(ours_cmd: list[str], base_cmd: list[str], env: dict[str, str]) -> list[str]:
    """Where egoi-mcp's extra start-up time goes: imports the baseline does not make, by top-level package."""
    _, ours_err = time_initialize(ours_cmd, env, ("-X", "importtime"))
    _, base_err = time_initialize(base_cmd, env, ("-X", "importtime"))
    ours, base = _imports(ours_err), _imports(base_err)
    extra = {name: t for name, t in ours.items() if name not in base}
    by_package: dict[str, int] = defaultdict(int)
    for name, (self_us, _) in extra.items():
        top = name.split(".")[0]
        if top == "egoi_mcp":
            top = ".".join(name.split(".")[:2])
        by_package[top] += self_us
    total_ours = sum(s for s, _ in ours.values())
    total_base = sum(s for s, _ in base.values())
    report = [
        f"import time (sum of self times, -X importtime): egoi-mcp {total_ours / 1000:.0f} ms, "
        f"baseline {total_base / 1000:.0f} ms; {len(extra)} modules only egoi-mcp imports, "
        f"{sum(by_package.values()) / 1000:.0f} ms:",
    ]
    for package, self_us in sorted(by_package.items(), key=lambda kv: -kv[1])[:12]:
        report.append(f"  {package:<28} {self_us / 1000:6.1f} ms")
    cumulative = sorted(
        ((name, cum) for name, (_, cum) in ours.items() if name.startswith("egoi_mcp")), key=lambda kv: -kv[1]
    )[:8]
    report.append("largest egoi_mcp modules, cumulative (includes what they import first):")
    report += [f"  {name:<28} {cum / 1000:6.1f} ms" for name, cum in cumulative]
    return report


PHASES = """
import json, os, sys, tempfile, time
t0 = time.perf_counter()
import mcp.server
t1 = time.perf_counter()
import egoi_mcp.cli, egoi_mcp.sandbox
from egoi_mcp.config import Settings
from egoi_mcp.tools import TOOLSET_NAMES as TOOLSETS
from egoi_mcp.server import build_server
t2 = time.perf_counter()
directory = tempfile.mkdtemp()
db = os.path.join(directory, "e.db")
settings = Settings(sandbox=True, db=db, webhook_secret="bench-secret-0001", log_level="WARNING")
t3 = time.perf_counter()
build_server(settings)
t4 = time.perf_counter()
from mcp.server import MCPServer
from egoi_mcp.tools import register_tools
spare = MCPServer("spare")
t5 = time.perf_counter()
n = len(register_tools(spare, read_only=False, toolsets=TOOLSETS))
t6 = time.perf_counter()
print(json.dumps({"sdk": t1 - t0, "egoi": t2 - t1, "settings": t3 - t2, "build": t4 - t3, "tools": t6 - t5, "n": n}))
"""


def phases(env: dict[str, str], runs: int = 3) -> list[str]:
    """Where egoi-mcp's start-up goes after the SDK's own import: its imports, and building the server."""
    found: list[dict[str, float]] = []
    for _ in range(runs):
        out = subprocess.run([PY, "-c", PHASES], capture_output=True, text=True, env=env, timeout=120)
        if out.returncode != 0:
            return [f"(phase breakdown failed: {out.stderr[-500:]})"]
        found.append(json.loads(out.stdout.strip().splitlines()[-1]))
    pick = {key: median([f[key] for f in found]) for key in found[0]}
    return [
        f"phases in-process, median of {runs}: `import mcp.server` {ms(pick['sdk'])} (the baseline pays this too); "
        f"egoi-mcp's further imports {ms(pick['egoi'])}; Settings {ms(pick['settings'])}; build_server "
        f"{ms(pick['build'])}, of which registering the {pick['n']:.0f} tools (pydantic argument and output models)"
        f" is about {ms(pick['tools'])}"
    ]


def run() -> None:
    header("stdio start-up until `initialize` answers")
    with tempfile.TemporaryDirectory(prefix="egoi-bench-") as tmp:
        directory = Path(tmp)
        baseline = write_baseline(directory)
        cache = directory / "tools-cache"
        env = clean_env(
            EGOI_MCP_DB=str(directory / "events.db"), EGOI_WEBHOOK_SECRET="bench-secret-0001",
            EGOI_MCP_TOOLS_CACHE=str(cache),
        )  # fmt: skip
        ours_cmd = [PY, "-m", "egoi_mcp", "--sandbox"]
        base_cmd = [PY, str(baseline)]
        # warm-up: pyc files, page cache, the event store's first creation, the tools' definitions kept
        time_initialize(ours_cmd, env, then_list=True)
        time_initialize(base_cmd, env, then_list=True)
        ours: list[float] = []
        base: list[float] = []
        for _ in range(RUNS):
            ours.append(time_initialize(ours_cmd, env)[0])
            base.append(time_initialize(base_cmd, env)[0])
        bare = median(
            [
                time_initialize([PY, "-c", 'import sys; sys.stdin.readline(); print(\'{"id":1,"result":{}}\')'], env)[0]
                for _ in range(3)
            ]
        )
        ratio = median(ours) / median(base)
        ok = ratio <= GOAL
        line(f"runs: {RUNS} each after one warm-up, alternating; bare `python -c` answering a line: {ms(bare)}")
        line(f"egoi-mcp --sandbox : median {ms(median(ours))} (min {ms(min(ours))}, max {ms(max(ours))})")
        line(f"baseline MCPServer : median {ms(median(base))} (min {ms(min(base))}, max {ms(max(base))})")
        floor = min(ours) / min(base)
        line(
            f"ratio of medians {ratio:.2f}x, goal <= {GOAL}x: {verdict(ok)} (ratio of minimums {floor:.2f}x: less"
            " sensitive to other load on the machine)"
        )
        record(
            "start-up (stdio)", "spawn -> `initialize` answer", ms(median(ours)), ms(median(base)),
            f"{ratio:.2f}x (min {floor:.2f}x)", f"<= {GOAL}x", verdict(ok),
        )  # fmt: skip
        _with_key(base_cmd, env)
        _listing(ours_cmd, base_cmd, env, cache)
        _full_store(ours_cmd, env, directory)
        if not ok:
            for row in [*phases(env), *import_report(ours_cmd, base_cmd, env)]:
                line(row)


def _alternating(
    first: tuple[list[str], dict[str, str]], second: tuple[list[str], dict[str, str]]
) -> tuple[list[float], list[float]]:
    """Seconds until `initialize` answers, RUNS times each command (with its environment), alternating, after one
    warm-up of the first."""
    time_initialize(*first)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(RUNS):
        for (cmd, env), found in zip((first, second), times, strict=True):
            found.append(time_initialize(cmd, env)[0])
    return times


def _with_key(base_cmd: list[str], env: dict[str, str]) -> None:
    """Until `initialize` answers, with an E-goi API key instead of the sandbox: the real network transport, made on
    the first E-goi request (nothing is asked of E-goi before a tool is called, so no network is needed here)."""
    keyed = {**env, "EGOI_API_KEY": "bench-key-never-sent-0001"}
    ours, base = _alternating(([PY, "-m", "egoi_mcp"], keyed), (base_cmd, env))
    ratio = median(ours) / median(base)
    line(f"with an API key (no sandbox): median {ms(median(ours))} vs baseline {ms(median(base))}: {ratio:.2f}x")
    record(
        "start-up (stdio)", "spawn -> `initialize` answer, with an API key (no sandbox)", ms(median(ours)),
        ms(median(base)), f"{ratio:.2f}x (min {min(ours) / min(base):.2f}x)", f"<= {GOAL}x", verdict(ratio <= GOAL),
    )  # fmt: skip


def _full_store(ours_cmd: list[str], env: dict[str, str], directory: Path) -> None:
    """Until `initialize` answers, with a store holding 100,000 events (the default retention's cap), against
    the same start with the near-empty store above: opening the store must not cost in its size."""
    from bench.store_size import built_sqlite

    built = built_sqlite(FULL)
    if built is None:
        line(f"start-up with {FULL:,} stored events: skipped (`python -m bench store_size` builds the store first)")
        return
    full = directory / "full.db"
    shutil.copyfile(built, full)
    full_env = {**env, "EGOI_MCP_DB": str(full), "EGOI_MCP_EVENTS_MAX": str(FULL)}
    full_env["EGOI_MCP_EVENTS_MAX_AGE_DAYS"] = "3650"  # the built events are from 2026-01-01 on: none pruned
    with_full, small = _alternating((ours_cmd, full_env), (ours_cmd, env))
    ratio = median(with_full) / median(small)
    line(f"with {FULL:,} stored events: median {ms(median(with_full))} vs {ms(median(small))} near-empty: {ratio:.2f}x")
    record(
        "start-up (stdio)", f"spawn -> `initialize` answer, {FULL:,} events stored vs none",
        ms(median(with_full)), ms(median(small)), f"{ratio:.2f}x", "<= 1.1x", verdict(ratio <= 1.1),
    )  # fmt: skip


def _listing(ours_cmd: list[str], base_cmd: list[str], env: dict[str, str], cache: Path) -> None:
    """Until `tools/list` answers: with the definitions kept by an earlier start, and with none (cold)."""
    warm: list[float] = []
    cold: list[float] = []
    base: list[float] = []
    for _ in range(RUNS):
        warm.append(time_initialize(ours_cmd, env, then_list=True)[0])
        base.append(time_initialize(base_cmd, env, then_list=True)[0])
    for _ in range(3):
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(time_initialize(ours_cmd, env, then_list=True)[0])
    for label, ours in (("definitions kept", warm), ("none kept (first start)", cold)):
        ratio = median(ours) / median(base)
        line(f"until tools/list, {label}: median {ms(median(ours))} vs baseline {ms(median(base))}: {ratio:.2f}x")
        record(
            "start-up (stdio)", f"spawn -> `tools/list` answer, {label}", ms(median(ours)), ms(median(base)),
            f"{ratio:.2f}x (min {min(ours) / min(base):.2f}x)", "", "info",
        )  # fmt: skip


if __name__ == "__main__":
    run()
