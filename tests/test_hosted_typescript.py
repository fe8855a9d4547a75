"""The TypeScript SDK's OAuth client (scripts/mcp-ts-oauth-client) against the hosted server on real uvicorn: it
discovers, registers, sends the person to sign in (here the same `Person` as the Python tests), exchanges the code
and calls a tool. Needs npm (the pinned SDK is installed once); without it the test fails saying so, never skips."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import anyio
import pytest

from egoi_mcp.hosted.scopes import READ, WRITE
from tests.conftest import SCRIPTS
from tests.hosted import ALICE, Person, hosted

pytestmark = pytest.mark.anyio


async def test_the_typescript_sdk_signs_in_and_calls_a_tool(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        person = Person(ALICE, grant=[READ, WRITE])
        proc = subprocess.Popen([str(SCRIPTS / "mcp-ts-oauth-client"), f"{url}/mcp"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            assert proc.stdout is not None and proc.stdin is not None
            first = await anyio.to_thread.run_sync(proc.stdout.readline)
            assert first, proc.stderr.read() if proc.stderr else ""
            await person.open_authorize(json.loads(first)["authorize"])
            proc.stdin.write(f"{person.landed}\n")
            proc.stdin.flush()
            done = json.loads(await anyio.to_thread.run_sync(proc.stdout.readline))
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
    assert "egoi_list_lists" in done["tools"] and "egoi_delete_list" not in done["tools"]
    assert done["result"]["total"] >= 1
    assert set(done["scope"].split()) == {READ, WRITE}
