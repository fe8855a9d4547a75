"""The official MCP conformance suite against `egoi-mcp --transport http --sandbox`.

Scenarios that call the suite's own fixture tools, prompts or resources (test_simple_text,
test://static-text, test_simple_prompt, ...) are listed in conformance-baseline.yml with the reason for each;
every other scenario must pass, and a listed one that starts passing fails the run (stale baseline).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SCRIPTS, free_port, wait_http

pytestmark = pytest.mark.conformance


def test_conformance_suite(tmp_path: Path) -> None:
    tool = SCRIPTS / "mcp-conformance"
    if not shutil.which("npm"):
        pytest.fail("npm is needed to install the conformance suite (apt-get install npm); it never skips")
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
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
