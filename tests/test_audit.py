"""The audit trail of destructive actions, through a real MCP client on the sandbox, on both store engines:
recorded before the act (seen by E-goi's side while it acts) and completed after, with the preview's summary, the
token's fingerprint, the outcome and E-goi's error code; readable as `egoi://audit/recent` and with
`egoi-mcp audit`; bounded by age; never holding a secret."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from egoi_mcp.config import Settings
from egoi_mcp.sandbox import create_app
from egoi_mcp.seal import canonical
from egoi_mcp.server import EgoiServer, build_server
from egoi_mcp.untrusted import UNTRUSTED_META
from tests.conftest import ERAS, call, fails, make_settings

pytestmark = pytest.mark.anyio

AUDIT_URI = "egoi://audit/recent"
DAY = 86_400.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


async def _audit(client: Client) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    (content,) = (await client.read_resource(AUDIT_URI)).contents
    return json.loads(content.text), content.meta or {}  # type: ignore[union-attr]


def _fingerprint(server: EgoiServer, tool: str, again: dict[str, Any]) -> str:
    arguments = {k: v for k, v in again.items() if k not in ("confirm", "confirm_token")}
    return server.current().tokens.check(tool, canonical(arguments), again["confirm_token"]).fingerprint


@pytest.mark.parametrize("era", ERAS)
async def test_a_confirmed_delete_is_recorded_with_its_summary_token_and_outcome(tmp_path: Path, era: str) -> None:
    server = build_server(make_settings(tmp_path))
    async with Client(server.mcp, mode=era) as client:
        contact = (await call(client, "egoi_create_contact", email="gone@example.com", list_id=1))["id"]
        preview = await call(client, "egoi_delete_contacts", contact_ids=[contact], list_id=1)
        assert (await _audit(client))[0] == [], "a preview is not an action"
        done = await call(client, "egoi_delete_contacts", **preview["call_again_with"])
        fingerprint = _fingerprint(server, "egoi_delete_contacts", preview["call_again_with"])
        await call(client, "egoi_delete_contacts", **preview["call_again_with"])  # a replay acts on nothing
        entries, meta = await _audit(client)
    (entry,) = entries
    assert entry["tool"] == "egoi_delete_contacts" and entry["outcome"] == "done" and entry["error_code"] is None
    assert preview["summary"] == f"Would {entry['summary']}. Nothing was changed."
    assert entry["detail"] == done["summary"] and entry["principal"] is None
    assert entry["token"] == fingerprint and entry["token"] not in preview["call_again_with"]["confirm_token"]
    assert entry["started_at"] <= entry["finished_at"]
    assert meta[UNTRUSTED_META] == ["[].summary", "[].detail"]


async def test_a_failed_act_records_e_goi_s_error_code(tmp_path: Path) -> None:
    server = build_server(make_settings(tmp_path))
    async with Client(server.mcp) as client:
        tag = (await call(client, "egoi_create_tag", name="short-lived"))["id"]
        first = (await call(client, "egoi_delete_tag", tag_id=tag))["call_again_with"]
        second = (await call(client, "egoi_delete_tag", tag_id=tag))["call_again_with"]
        await call(client, "egoi_delete_tag", **first)
        error = await fails(client, "egoi_delete_tag", **second)  # the tag is gone: E-goi says so
        entries, _ = await _audit(client)
    assert "NOT_FOUND" in error
    failed, done = entries  # newest first
    assert (done["outcome"], failed["outcome"]) == ("done", "failed")
    assert failed["error_code"] == "TAG_NOT_FOUND" and failed["detail"].startswith("TAG_NOT_FOUND: ")


class _Watching(httpx.AsyncBaseTransport):
    """E-goi (the sandbox app) behind a transport that reads the audit trail when a DELETE reaches it."""

    def __init__(self, server: list[EgoiServer]) -> None:
        self.inner = httpx.ASGITransport(app=create_app(api_key="audit-key"))
        self.server = server
        self.seen: list[list[str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            entries = await self.server[0].current().audit.recent()
            self.seen.append([entry.outcome for entry in entries])
        return await self.inner.handle_async_request(request)


async def test_the_action_is_recorded_before_it_reaches_e_goi(tmp_path: Path) -> None:
    holder: list[EgoiServer] = []
    transport = _Watching(holder)
    settings = Settings(
        api_key="audit-key", base_url="http://egoi.test", default_list_id=1, db=tmp_path / "events.db",
        webhook_secret="test-webhook-secret",
    )  # fmt: skip
    holder.append(build_server(settings, transport=transport))
    async with Client(holder[0].mcp) as client:
        tag = (await call(client, "egoi_create_tag", name="watched"))["id"]
        again = (await call(client, "egoi_delete_tag", tag_id=tag))["call_again_with"]
        await call(client, "egoi_delete_tag", **again)
        entries, _ = await _audit(client)
    assert transport.seen == [["running"]], "recorded, as running, before the request left"
    assert [entry["outcome"] for entry in entries] == ["done"]


async def test_no_secret_is_kept_and_old_actions_age_out(tmp_path: Path) -> None:
    clock = Clock()
    server = build_server(make_settings(tmp_path, audit_max_age_days=2), clock=clock)
    async with Client(server.mcp) as client:
        tag = (await call(client, "egoi_create_tag", name="leak test-webhook-secret here"))["id"]
        again = (await call(client, "egoi_delete_tag", tag_id=tag))["call_again_with"]
        await call(client, "egoi_delete_tag", **again)
        ((summary, detail),) = _stored(tmp_path)
        assert "leak" in summary and "test-webhook-secret" not in summary + detail, "the redactor ran first"
        clock.now += 3 * DAY
        assert (await _audit(client))[0] == [], "older than the bound: not shown"
        newer = (await call(client, "egoi_create_tag", name="newer"))["id"]
        again = (await call(client, "egoi_delete_tag", tag_id=newer))["call_again_with"]
        await call(client, "egoi_delete_tag", **again)
    ((summary, _),) = _stored(tmp_path)
    assert "newer" in summary, "the old row was dropped when the new one came"


def _stored(tmp_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "events.db") as db:
        return db.execute("SELECT summary, detail FROM audit").fetchall()


def _cli(*args: str, db: Path | str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOI")}
    return subprocess.run(
        [sys.executable, "-m", "egoi_mcp", "audit", *args], capture_output=True, text=True, timeout=60,
        env={**env, "EGOI_MCP_DB": str(db)},
    )  # fmt: skip


async def _two_actions(server: EgoiServer) -> None:
    async with Client(server.mcp) as client:
        for name in ("first-tag", "second-tag"):
            tag = (await call(client, "egoi_create_tag", name=name))["id"]
            again = (await call(client, "egoi_delete_tag", tag_id=tag))["call_again_with"]
            await call(client, "egoi_delete_tag", **again)


async def test_the_cli_prints_the_trail_as_text_and_json(tmp_path: Path) -> None:
    await _two_actions(build_server(make_settings(tmp_path)))
    text = _cli(db=tmp_path / "events.db")
    assert text.returncode == 0, text.stderr
    assert text.stdout.index("first-tag") < text.stdout.index("second-tag"), "oldest first"
    assert text.stdout.count("egoi_delete_tag  done") == 2
    listed = json.loads(_cli("--json", db=tmp_path / "events.db").stdout)
    assert [entry["tool"] for entry in listed] == ["egoi_delete_tag"] * 2 and "second-tag" in listed[0]["summary"]
    later = _cli("--since", "2999-01-01", "--json", db=tmp_path / "events.db")
    assert json.loads(later.stdout) == []
    bad = _cli("--since", "last tuesday", db=tmp_path / "events.db")
    assert bad.returncode == 2 and "INVALID_ARGUMENT" in bad.stderr and "Traceback" not in bad.stderr


async def test_postgresql_keeps_the_trail_too(tmp_path: Path, postgres_url: str) -> None:
    server = build_server(Settings(sandbox=True, db=postgres_url, webhook_secret="test-webhook-secret"))
    await _two_actions(server)
    async with Client(server.mcp) as client:
        entries, _ = await _audit(client)
    assert [(e["tool"], e["outcome"]) for e in entries] == [("egoi_delete_tag", "done")] * 2
    assert "second-tag" in entries[0]["summary"] and "first-tag" in entries[1]["summary"]
    listed = json.loads(_cli("--json", db=postgres_url).stdout)
    assert [entry["id"] for entry in listed] == [entry["id"] for entry in entries]
