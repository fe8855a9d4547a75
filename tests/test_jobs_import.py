"""Imports as jobs (issue 20), through a real MCP client in both protocol eras, on the sandbox: a 3,000-row CSV
with 20 bad rows is previewed (rows, valid and invalid with reasons, new vs existing, fields mapped), imported
with progress notifications, and its job reports 2,980 imported and the 20 rows with their reasons; every good
row is in the sandbox exactly once. Also: the input refused as a whole, a confirm that does not resend the
file, a cancel, and jobs that expire."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from egoi_mcp.config import Settings
from egoi_mcp.jobs import JobBook
from egoi_mcp.sandbox import create_app
from egoi_mcp.server import EgoiServer, build_server
from egoi_mcp.store import SQLiteStore
from tests.conftest import ERAS, call, fails, make_settings
from tests.jobs_helpers import HOLD_AT, KEY, HoldAnswer, contacts_csv

pytestmark = pytest.mark.anyio


@pytest.fixture(params=ERAS)
async def importing(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    server = build_server(make_settings(tmp_path, import_batch_size=500))
    async with Client(server.mcp, mode=request.param) as client:
        yield server, client


async def test_a_3000_row_csv_with_20_bad_rows(importing: tuple[EgoiServer, Client]) -> None:
    server, client = importing
    text, reasons = contacts_csv()
    assert len(reasons) == 20
    sandbox = server.current().sandbox
    assert sandbox is not None
    before = len(sandbox.contacts_of(1))

    preview = await call(client, "egoi_import_contacts", list_id=1, csv=text)
    assert preview["status"] == "confirmation_required"
    summary = preview["summary"]
    assert "import 2980 of 3000 rows into list 1" in summary and "2980 new, 0 already in the list" in summary
    assert '"plan" → "plan"' in summary and "20 row(s) skipped: row 7:" in summary
    again = preview["call_again_with"]
    assert "csv" not in again and again["staged"], "the confirm names the file, it does not carry it again"
    assert len(sandbox.contacts_of(1)) == before, "a preview changes nothing"

    done = await call(client, "egoi_import_contacts", **again)
    assert done["status"] == "done" and "started job j" in done["summary"]
    job_id = done["summary"].split()[2]

    progress: list[tuple[float, float | None]] = []

    async def heard(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    result = await client.call_tool("egoi_get_job", {"job_id": job_id, "wait": 60}, progress_callback=heard)
    job = result.structured_content
    assert job is not None and not result.is_error
    assert job["status"] == "done" and job["progress"] == {"done": 2980, "total": 2980}
    assert progress and progress[-1] == (2980, 2980), "progress notifications reach a client with a token"
    assert [p for p, _ in progress] == sorted(p for p, _ in progress)
    assert job["invalid"] == 20 and len(job["errors"]) == 20
    for error in job["errors"]:
        assert reasons[error["row"]] in error["reason"], error
    assert result.meta and "errors" in result.meta["io.egoi-mcp/untrusted"], "row values are others' text"

    imported = Counter(c.email for c in sandbox.contacts_of(1) if c.email.startswith("p"))
    assert len(imported) == 2980 and set(imported.values()) == {1}, "every good row once"
    assert sandbox.contacts[next(c.contact_id for c in sandbox.contacts_of(1) if c.email == "p2@example.com")].extra


async def test_an_existing_contact_is_updated_not_duplicated(client: Client, server: EgoiServer) -> None:
    rows = [{"E-mail": "ana.silva@example.com", "Cidade": "Porto"}, {"E-mail": "new.person@example.com"}]
    preview = await call(
        client, "egoi_import_contacts", list_id=1, rows=rows, mapping={"E-mail": "email", "Cidade": "city"}
    )
    assert "(1 new, 1 already in the list, updated)" in preview["summary"], preview["summary"]
    done = await call(client, "egoi_import_contacts", **preview["call_again_with"])
    job = await call(client, "egoi_get_job", job_id=done["summary"].split()[2], wait=30)
    assert job["status"] == "done" and job["progress"] == {"done": 2, "total": 2}
    sandbox = server.current().sandbox
    assert sandbox is not None
    anas = [c for c in sandbox.contacts_of(1) if c.email == "ana.silva@example.com"]
    assert len(anas) == 1 and anas[0].extra[1]["value"] == "Porto"


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({}, "give the contacts as csv"),
        ({"csv": "email\na@example.com\nb@example.com\n", "rows": [{"email": "c@example.com"}]}, "not both"),
        ({"csv": "email,favourite\na@example.com,x\nb@example.com,y\n"}, 'no field "favourite"'),
        ({"csv": "first_name\nAna\nRui\n"}, "no column is mapped to email"),
        ({"csv": "email,nome\na@example.com,A\nb@example.com,B\n"}, "base fields: email, first_name"),
        ({"csv": "email\na@example.com\nb@example.com\n", "mapping": {"mail": "email"}}, 'no column "mail"'),
        ({"csv": "email\nnope\nnada\n"}, "none of the 2 rows can be imported: row 1:"),
        ({"csv": "email\na@example.com\n"}, "use egoi_create_contact"),
        ({"rows": []}, "rows must hold 1 to"),
        ({"staged": "abc"}, "staged comes from a preview"),
    ],
)
async def test_input_wrong_as_a_whole_is_refused(
    client: Client, server: EgoiServer, arguments: dict[str, Any], says: str
) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    before = len(sandbox.contacts)
    text = await fails(client, "egoi_import_contacts", list_id=1, **arguments)
    assert ("INVALID_ARGUMENT: " in text or "FIELD_NOT_FOUND: " in text) and says in text, text
    assert "Traceback" not in text and len(sandbox.contacts) == before


async def test_a_changed_file_is_not_confirmed_by_another_files_token(client: Client) -> None:
    one = await call(client, "egoi_import_contacts", list_id=1, csv="email\na@example.com\nb@example.com\n")
    two = await call(client, "egoi_import_contacts", list_id=1, csv="email\nc@example.com\nd@example.com\n")
    mixed = {**one["call_again_with"], "staged": two["call_again_with"]["staged"]}
    assert "CONFIRMATION_REFUSED" in await fails(client, "egoi_import_contacts", **mixed)


async def test_cancel_stops_a_job_and_unknown_ids_are_not_found(client: Client, server: EgoiServer) -> None:
    rt = server.current()
    job = await rt.jobs.create("import", "import 4 contacts into list 1", {"list_id": 1, "batches": 0}, total=4)
    await rt.jobs.change(job.id, lambda j: j.but(lease_owner="someone-else", lease_until=9e12))  # not run here
    cancelled = await call(client, "egoi_cancel_job", job_id=job.id)
    assert cancelled["status"] == "cancelled"
    assert (await call(client, "egoi_cancel_job", job_id=job.id))["status"] == "cancelled", "idempotent"
    for unknown in ("j0000000000000000", "nope", job.id.upper()):
        text = await fails(client, "egoi_get_job", job_id=unknown)
        assert "JOB_NOT_FOUND: no job" in text, text


async def test_finished_jobs_expire_with_their_pages(tmp_path: Path) -> None:
    now = [1000.0]
    async with SQLiteStore(tmp_path / "jobs.db") as store:
        book = JobBook(store, "account-a", keep_hours=1, clock=lambda: now[0])
        job = await book.create("export", "export", {"list_id": 1})
        await book.put_page(job.id, 1, {"format": "csv", "text": "email\na@example.com\n"})
        await book.finish(job.id, "done", pages=1)
        assert await book.page(job.id, 1) is not None
        now[0] += 3599
        await book.prune()
        assert (await book.get(job.id)).status == "done"
        now[0] += 2
        await book.prune()
        assert (
            await store.read_state(f"job:{job.id}") is None and await store.read_state(f"job:{job.id}:page:1") is None
        )
        assert await store.read_state("jobs:done") == {}


def gated_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """A server of its own key on a sandbox behind `HoldAnswer`, in batches of 100."""
    return Settings(api_key=KEY, base_url="http://egoi.invalid", db=tmp_path / "events.db",
                    webhook_secret="test-webhook-secret", import_batch_size=100, **overrides)  # fmt: skip


async def test_a_cancel_mid_import_posts_no_more_batches(tmp_path: Path) -> None:
    gate = HoldAnswer(create_app(api_key=KEY))
    settings = gated_settings(tmp_path)
    server = build_server(settings, transport=httpx.ASGITransport(app=gate))
    async with Client(server.mcp) as client:
        preview = await call(client, "egoi_import_contacts", list_id=1, csv=contacts_csv(1000, 0)[0])
        job_id = (await call(client, "egoi_import_contacts", **preview["call_again_with"]))["summary"].split()[2]
        with anyio.fail_after(30):
            while not gate.applied.is_set():
                await anyio.sleep(0.05)
        cancelled = await call(client, "egoi_cancel_job", job_id=job_id)
        assert cancelled["status"] == "cancelled"
        gate.release.set()
        with anyio.fail_after(30):
            while (await call(client, "egoi_get_job", job_id=job_id))["progress"]["done"] < HOLD_AT * 100:
                await anyio.sleep(0.05)
        job = await call(client, "egoi_get_job", job_id=job_id)
    assert job["status"] == "cancelled" and job["progress"] == {"done": HOLD_AT * 100, "total": 1000}
    assert gate.imports == HOLD_AT, "the batch under way ended; none after it was posted"


async def test_a_server_stopping_mid_import_hands_the_job_on_at_once(tmp_path: Path) -> None:
    gate = HoldAnswer(create_app(api_key=KEY))
    settings = gated_settings(tmp_path, jobs_lease_seconds=3600)
    first = build_server(settings, transport=httpx.ASGITransport(app=gate))
    async with Client(first.mcp) as client:
        preview = await call(client, "egoi_import_contacts", list_id=1, csv=contacts_csv(1000, 0)[0])
        job_id = (await call(client, "egoi_import_contacts", **preview["call_again_with"]))["summary"].split()[2]
        with anyio.fail_after(30):
            while not gate.applied.is_set():
                await anyio.sleep(0.05)
    gate.release.set()  # the server stopped with the fifth batch applied and unanswered
    second = build_server(settings, transport=httpx.ASGITransport(app=gate))
    async with Client(second.mcp, mode="legacy") as client:
        job = await call(client, "egoi_get_job", job_id=job_id, wait=30)  # a lease of an hour: not waited out
    assert job["status"] == "done" and job["progress"] == {"done": 1000, "total": 1000}
    assert gate.imports == 10 + 1, "the unanswered batch once more, then the rest"
    sandbox = gate.app.state.sandbox  # type: ignore[attr-defined]
    assert len({c.email for c in sandbox.contacts_of(1) if c.email.startswith("p")}) == 1000
