"""Exports and advanced reports as jobs (issue 20), through a real MCP client in both eras, on the sandbox: the job
returns at once, finishes when E-goi's callback (authenticated like a webhook, stored before it is answered)
has named the file, and the file is read page by page from `egoi://jobs/{id}/result?page=N`. A subscriber of the
job's resource hears that it changed. Another account (another API key: another sandbox account) sharing the
store can neither read nor cancel either job, and is told nothing it would not be told of an id never issued."""

from __future__ import annotations

import csv
import io
import json
from contextlib import AsyncExitStack
from pathlib import Path

import anyio
import httpx
import mcp.types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated

from egoi_mcp.config import Settings
from egoi_mcp.sandbox import create_app
from egoi_mcp.server import EgoiServer, build_app, build_server
from tests.conftest import ERAS, call, fails, make_settings
from tests.heard import Heard

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")]

OTHER_KEY = "another-account-key-0123456789abcdef"


def add_contacts(server: EgoiServer, count: int) -> set[str]:
    sandbox = server.current().sandbox
    assert sandbox is not None
    for n in range(count):
        sandbox.add_contact(1, {"email": f"export{n}@example.com", "first_name": f"E{n}"})
    return {c.email for c in sandbox.contacts_of(1)}


async def read_pages(client: Client, first: str) -> tuple[list[dict[str, str]], int]:
    rows: list[dict[str, str]] = []
    uri: str | None = first
    pages = 0
    while uri:
        contents = (await client.read_resource(uri)).contents[0]
        assert isinstance(contents, types.TextResourceContents) and len(contents.text) < 64 * 1024
        page = json.loads(contents.text)
        rows += list(csv.DictReader(io.StringIO(page["csv"])))
        pages += 1
        assert page["page"] == pages
        uri = page["next"]
    return rows, pages


async def test_an_export_finishes_through_the_callback_and_is_read_page_by_page(
    client: Client, server: EgoiServer
) -> None:
    emails = add_contacts(server, 250)
    started = await call(client, "egoi_export_contacts", list_id=1)
    assert started["status"] == "queued" and started["resource"] == f"egoi://jobs/{started['job_id']}"
    job = await call(client, "egoi_get_job", job_id=started["job_id"], wait=30)
    assert job["status"] == "done" and job["progress"] == {"done": len(emails), "total": len(emails)}
    assert job["result"]["pages"] == 3 and job["result"]["format"] == "csv"
    rows, pages = await read_pages(client, job["result"]["first"])
    assert pages == 3 and {row["email"] for row in rows} == emails and len(rows) == len(emails)
    with pytest.raises(MCPError, match="has no page '4'"):
        await client.read_resource(f"egoi://jobs/{job['job_id']}/result?page=4")


async def test_a_report_is_a_job_too(client: Client, server: EgoiServer) -> None:
    emails = add_contacts(server, 3)
    started = await call(client, "egoi_request_report", kind="subscriptions", list_id=1, start="2000-01-01",
                         end="2100-01-01")  # fmt: skip
    job = await call(client, "egoi_get_job", job_id=started["job_id"], wait=30)
    assert job["status"] == "done", job
    rows, _ = await read_pages(client, job["result"]["first"])
    assert {row["email"] for row in rows} == emails and {row["action"] for row in rows} == {"subscription"}
    text = await fails(client, "egoi_request_report", kind="sends", list_id=1, start="2026-02-01", end="2026-01-01")
    assert "INVALID_ARGUMENT: start (2026-02-01) is after end (2026-01-01)" in text


@pytest.mark.parametrize("mode", ERAS)
async def test_a_subscriber_hears_the_job_change(tmp_path: Path, mode: str) -> None:
    server = build_server(make_settings(tmp_path))
    updates = Heard()
    async with Client(server.mcp, mode=mode, message_handler=updates) as client, AsyncExitStack() as stack:
        rt = server.current()
        held = await rt.jobs.create("export", "export the contacts of list 1", {"list_id": 1, "segments": None})
        await rt.jobs.change(held.id, lambda j: j.but(lease_owner="elsewhere", lease_until=9e12))  # not run yet
        uri = f"egoi://jobs/{held.id}"
        if mode == "legacy":
            await client.subscribe_resource(uri)
        else:
            listener = await stack.enter_async_context(client.listen(resource_subscriptions=[uri]))
        await rt.jobs.change(held.id, lambda j: j.but(lease_owner="", lease_until=0.0))  # now it may run
        rt.jobs.on_created()
        if mode == "legacy":
            await updates.wait_for(uri)
        else:
            with anyio.fail_after(15):
                assert await anext(aiter(listener)) == ResourceUpdated(uri=uri)
        assert (await call(client, "egoi_get_job", job_id=held.id, wait=30))["status"] == "done"


async def test_callbacks_are_authenticated_and_stored_before_the_answer(server: EgoiServer) -> None:
    app = build_app(server)
    async with server.mcp.session_manager.run():
        rt = server.current()
        job = await rt.jobs.create("export", "export", {"list_id": 1, "requested": True})
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            base = f"/webhooks/egoi/{server.webhook_secret}/jobs"
            wrong = await http.post(f"/webhooks/egoi/not-the-secret/jobs/{job.id}", json={"file": "https://x/f"})
            assert wrong.status_code == 404
            assert (await http.post(f"{base}/{job.id}", content=b"{oops")).status_code == 400
            assert (await http.post(f"{base}/{job.id}", json={"file": "ftp://x/f"})).status_code == 400
            unknown = await http.post(f"{base}/j0000000000000000", json={"file": "https://x/f"})
            assert unknown.status_code == 200 and await rt.store.read_state("job:j0000000000000000") is None
            stored = await http.post(f"{base}/{job.id}", json={"file": "https://files.example/f.csv"})
            assert stored.status_code == 200
            assert (await rt.jobs.get(job.id)).params["file"] == "https://files.example/f.csv"


async def test_another_account_cannot_read_or_cancel_the_jobs(tmp_path: Path) -> None:
    mine = build_server(make_settings(tmp_path))
    other_egoi = create_app(api_key=OTHER_KEY)
    settings = Settings(api_key=OTHER_KEY, base_url="http://other.egoi.invalid", db=tmp_path / "events.db",
                        webhook_secret="test-webhook-secret")  # fmt: skip
    theirs = build_server(settings, transport=httpx.ASGITransport(app=other_egoi))
    async with Client(mine.mcp) as me, Client(theirs.mcp, mode="legacy") as them:
        rows = [{"email": "a1@example.com"}, {"email": "a2@example.com"}]
        preview = await call(me, "egoi_import_contacts", list_id=1, rows=rows)
        imported = (await call(me, "egoi_import_contacts", **preview["call_again_with"]))["summary"].split()[2]
        exported = (await call(me, "egoi_export_contacts", list_id=1))["job_id"]
        assert (await call(me, "egoi_get_job", job_id=exported, wait=30))["status"] == "done"
        assert (await call(me, "egoi_get_job", job_id=imported, wait=30))["status"] == "done"
        never = "j0123456789abcdef"
        for job_id in (imported, exported):
            refused = await fails(them, "egoi_get_job", job_id=job_id)
            assert refused == (await fails(them, "egoi_get_job", job_id=never)).replace(never, job_id)
            assert "JOB_NOT_FOUND" in await fails(them, "egoi_cancel_job", job_id=job_id)
            for uri in (f"egoi://jobs/{job_id}", f"egoi://jobs/{job_id}/result?page=1"):
                with pytest.raises(MCPError, match="no job"):
                    await them.read_resource(uri)
        assert (await call(me, "egoi_get_job", job_id=exported))["status"] == "done", "untouched by the other"
