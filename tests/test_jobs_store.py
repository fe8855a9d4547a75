"""Jobs in the store, on SQLite and PostgreSQL alike (issue 20): `read_state` reads without writing; a job is
claimed by exactly one of two runners at once, by another only when the first one's lease has run out, and
never by another account's; a finished job leaves the open list and, once expired, the store with its pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from egoi_mcp.errors import JobNotFoundError
from egoi_mcp.jobs import JobBook
from egoi_mcp.store import Store, open_store

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    location = str(tmp_path / "jobs.db") if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    opened = await open_store(location)
    try:
        yield opened
    finally:
        await opened.close()


def everything(_: Any) -> bool:
    return True


async def test_read_state_changes_nothing(store: Store) -> None:
    assert await store.read_state("job:missing") is None
    await store.drop_states("job:missing", below="~")
    assert await store.update_state("job:missing", lambda value: ({"seen": value}, value)) is None, "no row was made"
    assert await store.read_state("job:missing") == {"seen": None}


async def test_one_runner_of_two_claims_a_job_until_its_lease_runs_out(store: Store) -> None:
    now = [100.0]
    book = JobBook(store, "account-a", keep_hours=1, clock=lambda: now[0])
    batches = [[{"base": {"email": "a@x.pt"}}] * 2, [{"base": {"email": "b@x.pt"}}] * 2]
    job = await book.create("import", "import 4 contacts", {"list_id": 1, "batches": 2}, total=4, batches=batches)
    claims: dict[str, list[str]] = {}

    async def claim(owner: str) -> None:
        claims[owner] = [j.id for j in await book.claim(owner, 30, everything)]

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(claim, "runner-1")
        tasks.start_soon(claim, "runner-2")
    assert sorted(claims.values()) == [[], [job.id]], "exactly one runner holds it"
    holder = next(owner for owner, ids in claims.items() if ids)
    other = "runner-2" if holder == "runner-1" else "runner-1"
    now[0] += 29
    assert await book.claim(other, 30, everything) == []
    assert await JobBook(store, "account-b", keep_hours=1, clock=lambda: now[0]).claim("b", 30, everything) == []
    now[0] += 2
    assert [j.id for j in await book.claim(other, 30, everything)] == [job.id], "a dead runner's job moves on"
    assert await book.batch(job.id, 1) == [{"base": {"email": "b@x.pt"}}] * 2

    await book.finish(job.id, "done", done=4)
    assert await book.claim(other, 30, everything) == [] and await store.read_state("jobs:open") == {}
    with pytest.raises(JobNotFoundError):
        await JobBook(store, "account-b", keep_hours=1).get(job.id)
    now[0] += 3601
    await book.prune()
    with pytest.raises(JobNotFoundError):
        await book.get(job.id)
    assert await store.read_state(f"job:{job.id}:in:0") is None
