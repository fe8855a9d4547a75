"""`python -m bench` (`make bench`): every benchmark, then one markdown table of all figures and the machine.

`python -m bench startup tool_calls` runs only those. A benchmark that fails is reported and the others still run.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback

from bench import FIGURES, header, line, machine, record

BENCHMARKS = (
    "tools_list",
    "list_pages",
    "store_size",
    "upstream_calls",
    "confirm_calls",
    "import_calls",
    "startup",
    "tool_calls",
    "webhook_ingest",
    "replicas",
    "memory",
)


def table() -> str:
    rows = [
        "| benchmark | figure | egoi-mcp | baseline | ratio | goal | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in FIGURES:
        rows.append(f"| {f.bench} | {f.what} | {f.ours} | {f.baseline} | {f.ratio} | {f.goal} | {f.verdict} |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmarks {unknown}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    info = machine()
    line(f"# egoi-mcp benchmarks: {info['cpu']}, {info['cores']} cores, Python {info['python']}, mcp {info['mcp']}")
    started = time.perf_counter()
    failed = []
    for name in chosen:
        began = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").run()
        except Exception:
            failed.append(name)
            line(f"{name} FAILED:")
            line(traceback.format_exc())
            record(name, "benchmark failed", "-", verdict="ERROR")
        line(f"({name}: {time.perf_counter() - began:.0f} s)")

    header("all figures")
    line(table())
    line()
    line(
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['os']}; Python {info['python']}, mcp {info['mcp']}. "
        "Client and servers share the machine. Tokens are o200k tokens (bench/tokens.py)."
    )
    misses = [f for f in FIGURES if f.verdict in ("MISS", "ERROR")]
    line(f"{len(FIGURES)} figures, {len(misses)} MISS/ERROR; total {time.perf_counter() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
