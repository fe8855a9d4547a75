"""The sandbox's background operations (issue 20), over its HTTP API: import-bulk applies what it can, counts the
invalid contacts and calls back E-goi's counts with a file of their reasons; export and advanced reports answer
202 and call back with a file, served without the API key; bodies match E-goi's OpenAPI."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import httpx
import pytest

from egoi_mcp.sandbox import create_app, segments
from tests.sandbox.account import HOOK_URL, KEY, Recorder
from tests.sandbox_contract import contract

pytestmark = pytest.mark.anyio

IMPORT = "/lists/1/contacts/actions/import-bulk"


@pytest.fixture
async def egoi() -> AsyncIterator[tuple[httpx.AsyncClient, Recorder, object]]:
    recorder = Recorder()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=recorder.app)) as deliver:
        app = create_app(deliver=deliver)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as http:
            yield http, recorder, app.state.sandbox


async def test_import_bulk_counts_the_invalid_rows_and_calls_back_with_their_reasons(egoi: tuple) -> None:
    http, recorder, sandbox = egoi
    contacts = [
        {"base": {"email": "ana.silva@example.com", "first_name": "Ana Maria"}},  # existing: updated
        {"base": {"email": "brand.new@example.com"}},
        {"base": {"email": "also.new@example.com"}, "extra": [{"field_id": 2, "value": [99]}]},  # no such option
        {"base": {"first_name": "No address"}},
    ]
    body = {"mode": "update", "compare_field": "email", "contacts": contacts, "callback_url": HOOK_URL}
    response = await http.post(IMPORT, json=body, headers=KEY)
    assert response.status_code == 202 and response.json() == {"result": "success"}
    contract().check("POST", "/lists/{list_id}/contacts/actions/import-bulk", response)
    await sandbox.delivery.drain()
    [report] = recorder.received
    assert {k: report[k] for k in ("imported", "updated", "ignored", "invalid")} == {
        "imported": 1, "updated": 1, "ignored": 0, "invalid": 2,
    }  # fmt: skip
    reasons = list(csv.DictReader(io.StringIO((await http.get(report["file"])).text)))  # no API key needed
    assert [row["contact"] for row in reasons] == ["3", "4"] and "option" in reasons[0]["reason"]
    assert [c.first_name for c in sandbox.contacts_of(1) if c.email == "ana.silva@example.com"] == ["Ana Maria"]

    again = await http.post(IMPORT, json={**body, "mode": "add"}, headers=KEY)
    assert again.status_code == 202
    await sandbox.delivery.drain()
    assert recorder.received[-1]["ignored"] == 2, "add mode leaves existing contacts alone"


async def test_an_export_calls_back_with_a_file_of_the_segment(egoi: tuple) -> None:
    http, recorder, sandbox = egoi
    segment = next(s for s in sandbox.segments.values() if s.list_id == 1)
    body = {"format": "csv", "callback_url": HOOK_URL, "segments": [segment.segment_id]}
    response = await http.post("/lists/1/contacts/actions/export", json=body, headers=KEY)
    assert response.status_code == 202
    await sandbox.delivery.drain()
    rows = list(csv.DictReader(io.StringIO((await http.get(recorder.received[0]["file"])).text)))
    members = {c.email for c in segments.members(sandbox, 1, segment.segment_id) or []}
    assert members and {row["email"] for row in rows} == members and len(rows) == len(members)
    assert len(members) < len(sandbox.contacts_of(1)), "the segment's contacts, not the list's"
    assert (await http.get("/files/not-a-file.csv")).status_code == 404
