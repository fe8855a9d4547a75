"""Jobs and the audit trail per account in the hosted connector (issue 21, item 3): two users, two sandbox keys,
two E-goi accounts. Alice's import runs on her account (her contacts, never Bob's); Bob reading, cancelling or
fetching the file of Alice's job is told JOB_NOT_FOUND, as for an id never issued; an export's callback reaches
its account's job; each user's `egoi://audit/recent` shows their account's actions only while `egoi-mcp audit`
shows everyone's with who; `egoi:send` guards imports; and a restart (a second server over the same store, on
both store engines) resumes Alice's open job on Alice's account when she next uses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import httpx
import mcp.types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from egoi_mcp.hosted.scopes import READ, WRITE
from egoi_mcp.jobs import JobBook, account_of
from egoi_mcp.sandbox import create_app
from egoi_mcp.store import open_store
from tests.conftest import ERAS, call, every_tool, fails
from tests.heard import Heard, handler, subscribed
from tests.hosted import ALICE, BOB, Person, connected, hosted
from tests.jobs_helpers import HOLD_AT, ByKey, HoldAnswer, contacts_csv
from tests.test_audit import _audit, _cli

pytestmark = pytest.mark.anyio


def _rows(count: int) -> str:
    return "email,first_name\n" + "".join(f"alice.row{n}@example.com,Row{n}\n" for n in range(count))


async def _found(client: Client, email: str) -> list[Any]:
    return list((await call(client, "egoi_search_contacts", query=email, list_id=1))["items"])


async def _read(client: Client, uri: str) -> dict[str, Any]:
    (content,) = (await client.read_resource(uri)).contents
    assert isinstance(content, types.TextResourceContents)
    return dict(json.loads(content.text))


async def _import(client: Client, csv: str) -> str:
    """Preview and confirm an import into list 1; the job's id."""
    preview = await call(client, "egoi_import_contacts", list_id=1, csv=csv)
    started = await call(client, "egoi_import_contacts", **preview["call_again_with"])
    return str(started["summary"].split()[2])


@pytest.mark.parametrize("mode", ERAS)
async def test_an_import_runs_on_its_users_account_and_is_theirs_alone(tmp_path: Path, mode: str) -> None:
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE), mode=mode) as alice, connected(url, Person(BOB), mode=mode) as bob:
            assert {"egoi_import_contacts", "egoi_get_job"} <= {tool.name for tool in await every_tool(alice)}
            job_id = await _import(alice, _rows(12))
            job = await call(alice, "egoi_get_job", job_id=job_id, wait=60)
            assert job["status"] == "done" and job["progress"] == {"done": 12, "total": 12}
            assert len(await _found(alice, "alice.row7@example.com")) == 1
            assert await _found(bob, "alice.row7@example.com") == [], "the rows went to Alice's account only"

            for tool in ("egoi_get_job", "egoi_cancel_job"):
                refused = await fails(bob, tool, job_id=job_id)
                assert "JOB_NOT_FOUND" in refused and "import" not in refused, refused
            never = await fails(bob, "egoi_get_job", job_id="j0123456789abcdef")
            assert never.replace("j0123456789abcdef", job_id) == (await fails(bob, "egoi_get_job", job_id=job_id))
            for uri in (f"egoi://jobs/{job_id}", f"egoi://jobs/{job_id}/result?page=1"):
                with pytest.raises(MCPError, match="no job") as raised:
                    await bob.read_resource(uri)
                assert "alice" not in str(raised.value).lower()
            assert (await _read(alice, f"egoi://jobs/{job_id}"))["status"] == "done", "Bob's cancel changed nothing"


async def test_an_exports_callback_reaches_its_accounts_job(tmp_path: Path) -> None:
    """Alice's sandbox calls the server back over real HTTP; her runner fetches the file; Bob reads none of it."""
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE)) as alice, connected(url, Person(BOB)) as bob:
            await _import(alice, _rows(5))
            started = await call(alice, "egoi_export_contacts", list_id=1)
            job = await call(alice, "egoi_get_job", job_id=started["job_id"], wait=60)
            assert job["status"] == "done", job
            page = await _read(alice, f"egoi://jobs/{job['job_id']}/result?page=1")
            assert "alice.row3@example.com" in page["csv"]
            with pytest.raises(MCPError, match="no job"):
                await bob.read_resource(f"egoi://jobs/{job['job_id']}/result?page=1")
            theirs = await call(bob, "egoi_export_contacts", list_id=1)
            done = await call(bob, "egoi_get_job", job_id=theirs["job_id"], wait=60)
            page = await _read(bob, f"egoi://jobs/{done['job_id']}/result?page=1")
            assert "alice.row" not in page["csv"], "Bob's export is of Bob's account"


async def test_each_users_audit_shows_their_accounts_actions_and_the_operators_shows_all(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE)) as alice, connected(url, Person(BOB)) as bob:
            doomed = await call(alice, "egoi_create_list", name="Alice's doomed list")
            preview = await call(alice, "egoi_delete_list", list_id=doomed["id"])
            await call(alice, "egoi_delete_list", **preview["call_again_with"])
            tag = await call(bob, "egoi_create_tag", name="bobs-doomed-tag")
            preview = await call(bob, "egoi_delete_tag", tag_id=tag["id"])
            await call(bob, "egoi_delete_tag", **preview["call_again_with"])
            alices, _ = await _audit(alice)
            bobs, _ = await _audit(bob)
        async with connected(url, Person(ALICE)) as colleague:  # another sign-in, another browser, Alice's key
            colleagues, _ = await _audit(colleague)
    assert [(e["tool"], e["outcome"]) for e in alices] == [("egoi_delete_list", "done")]
    assert "Alice's doomed list" in alices[0]["summary"]
    assert [e["tool"] for e in bobs] == ["egoi_delete_tag"] and "doomed list" not in json.dumps(bobs)
    assert colleagues == alices, "the account's trail, whichever of its sign-ins acted"

    printed = _cli("--json", db=tmp_path / "events.db")
    assert printed.returncode == 0, printed.stderr
    everyone = {e["tool"]: str(e["principal"]) for e in json.loads(printed.stdout)}
    assert everyone.keys() == {"egoi_delete_list", "egoi_delete_tag"}
    assert everyone["egoi_delete_list"].startswith(f"{account_of(ALICE)}/u_")
    assert everyone["egoi_delete_tag"].startswith(f"{account_of(BOB)}/u_")


async def test_importing_needs_egoi_send_following_a_job_egoi_read(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, _):
        async with connected(url, Person(ALICE)) as alice:
            job_id = await _import(alice, _rows(3))
        async with connected(url, Person(ALICE, grant=[READ, WRITE])) as writer:
            names = {tool.name for tool in await every_tool(writer)}
            assert "egoi_get_job" in names and "egoi_import_contacts" not in names
            refused = await fails(writer, "egoi_import_contacts", list_id=1, csv=_rows(3))
            assert refused.startswith("insufficient_scope: egoi_import_contacts needs the egoi:send scope")
            assert (await call(writer, "egoi_get_job", job_id=job_id, wait=60))["status"] == "done"


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_a_restart_resumes_an_open_job_on_its_account(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    """The first server stops while E-goi holds the answer to Alice's fifth batch; the second, over the same
    store, resumes the job when Alice next connects, on Alice's account: every good row there once, none at Bob's."""
    db = request.getfixturevalue("postgres_url") if engine == "postgresql" else tmp_path / "events.db"
    alices_egoi, bobs_egoi = create_app(api_key=ALICE), create_app(api_key=BOB)
    gate = HoldAnswer(alices_egoi)
    egoi = ByKey({ALICE: gate, BOB: bobs_egoi})
    options: dict[str, Any] = {"db": db, "sandbox": False, "base_url": "http://egoi.test", "import_batch_size": 100,
                               "jobs_lease_seconds": 2}  # fmt: skip
    text, _ = contacts_csv(rows=600, bad=4)
    person = Person(ALICE)
    with hosted(tmp_path, transport=httpx.ASGITransport(app=egoi), **options) as (url, _):
        async with connected(url, person) as alice, connected(url, Person(BOB)) as bob:
            assert (await bob.call_tool("egoi_list_lists", {})).is_error is False
            job_id = await _import(alice, text)
        assert await anyio.to_thread.run_sync(gate.applied.wait, 60), "the import never reached its fifth batch"
    gate.release.set()  # the held answer goes to a server that has stopped
    store = await open_store(db, max_events=100, max_age_days=1)
    try:
        stopped = await JobBook(store, account_of(ALICE), keep_hours=1).get(job_id)
    finally:
        await store.close()
    assert not stopped.finished and stopped.done < stopped.total, "the job was open when the server stopped"

    with hosted(tmp_path, transport=httpx.ASGITransport(app=egoi), **options) as (url, _):
        async with connected(url, person) as alice:  # the same browser: the same user, straight to consent
            job = await call(alice, "egoi_get_job", job_id=job_id, wait=60)
    assert job["status"] == "done" and job["progress"] == {"done": 596, "total": 596}
    assert gate.imports == 6 + 1, "the batch applied but not answered was posted once more, nothing else"
    imported = [c.email for c in alices_egoi.state.sandbox.contacts_of(1) if c.email.startswith("p")]
    assert len(imported) == len(set(imported)) == 596, "every good row once, on Alice's account"
    assert HOLD_AT < 6 and not [c for c in bobs_egoi.state.sandbox.contacts_of(1) if c.email.startswith("p")]


@pytest.mark.parametrize("mode", ERAS)
async def test_a_jobs_updates_reach_its_accounts_subscribers_only(tmp_path: Path, mode: str) -> None:
    """Bob subscribed to Alice's job (its id leaked somehow) hears none of its progress; Alice hears it."""
    alices_egoi, bobs_egoi = create_app(api_key=ALICE), create_app(api_key=BOB)
    gate = HoldAnswer(alices_egoi)  # the job stays open until both are subscribed
    options: dict[str, Any] = {"sandbox": False, "base_url": "http://egoi.test", "import_batch_size": 100}
    text, _ = contacts_csv(rows=600, bad=0)
    alice_heard, bob_heard = Heard(), Heard()
    transport = httpx.ASGITransport(app=ByKey({ALICE: gate, BOB: bobs_egoi}))
    with hosted(tmp_path, transport=transport, **options) as (url, _):
        async with (
            connected(url, Person(ALICE), mode=mode, message_handler=handler(alice_heard, mode)) as alice,
            connected(url, Person(BOB), mode=mode, message_handler=handler(bob_heard, mode)) as bob,
        ):
            job_id = await _import(alice, text)
            uri = f"egoi://jobs/{job_id}"
            async with subscribed(alice, alice_heard, mode, [uri]), subscribed(bob, bob_heard, mode, [uri]):
                assert await anyio.to_thread.run_sync(gate.applied.wait, 60), "the import never reached its batch"
                gate.release.set()
                assert (await call(alice, "egoi_get_job", job_id=job_id, wait=60))["status"] == "done"
                await alice_heard.wait_for(uri)
                await anyio.sleep(0.5)  # time for any stray notification to Bob to arrive
            assert bob_heard.uris == [], "nothing of Alice's job reached Bob"
