"""Clients nobody here wrote, judging `egoi-mcp --sandbox`: the official MCP conformance suite (over HTTP) and
the MCP Inspector's strict tool-schema check (over stdio, in both protocol eras).

Scenarios that call the suite's own fixture tools, prompts or resources (test_simple_text,
test://static-text, test_simple_prompt, ...) are listed in conformance-baseline.yml with the reason for each;
every other scenario must pass, and a listed one that starts passing fails the run (stale baseline).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SCRIPTS, free_port, wait_http

pytestmark = pytest.mark.conformance


def test_conformance_suite(tmp_path: Path) -> None:
    tool = SCRIPTS / "mcp-conformance"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOI")}
    env["EGOI_MCP_DB"] = str(tmp_path / "events.db")
    server = subprocess.Popen(
        [sys.executable, "-m", "egoi_mcp", "--transport", "http", "--sandbox", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60, proc=server)
        run = subprocess.run(
            [str(tool), f"http://127.0.0.1:{port}/mcp", "--expected-failures", str(REPO / "conformance-baseline.yml"),
             "-o", str(tmp_path / "results")],
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)
    # exit 3/4: the runner could not install the suite (no npm, registry unreachable) and says so in stderr
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_inspector_strict_finds_no_schema_problem(era: str, tmp_path: Path) -> None:
    """`mcp-inspector --cli --strict --method tools/list`: 0 errors and 0 warnings in every input and output schema.

    The Inspector flags what some client will reject or silently weaken: a `type` array (`["string", "null"]`:
    spell nullable as `anyOf: [{type: T}, {type: "null"}]`), a schema with no validation keyword (`{}`), a remote
    `$ref`, a bare boolean schema.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOI")}
    env["EGOI_MCP_DB"] = str(tmp_path / "events.db")
    run = subprocess.run(
        [str(SCRIPTS / "mcp-inspector"), "--strict", "--format", "json", "--method", "tools/list",
         "--protocol-era", era, sys.executable, "-m", "egoi_mcp", "--sandbox"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode in (0, 6), f"the Inspector did not run (exit {run.returncode}):\n{run.stderr[-4000:]}"
    report = json.loads(run.stdout)
    assert len(report["result"]["tools"]) >= 1
    problems = [
        f"{found['toolName']}: {finding['severity']} at {finding['schema']}.{finding['path']}: {finding['rule']}"
        for found in report.get("schemaFindings", [])  # absent when there is nothing to report
        for finding in found["findings"]
    ]
    advice = run.stderr[run.stderr.find("Warning:") :][:3000] if problems else ""
    assert problems == [], "\n".join([f"{len(problems)} findings:", *problems, "the Inspector's advice:", advice])
