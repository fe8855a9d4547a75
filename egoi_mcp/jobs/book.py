"""The jobs of one account in the shared store: create, read, change atomically, lease, page, expire.

Keys (shared states, SQLite or PostgreSQL alike): `job:<id>` the record, `job:<id>:in:<n>` an import's n-th
batch of contacts, `job:<id>:page:<n>` the n-th page of its result; `jobs:open` the ids still to finish (what a
starting runner looks through), `jobs:done` the finished ones with their expiry. Dropping `job:<id>` and
everything under it is one range (`drop_states`), since every id has the same length.

A job is read only by its account: any other account's request gets JOB_NOT_FOUND, as for an id never issued.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from egoi_mcp.errors import JobNotFoundError
from egoi_mcp.jobs.record import JOB_ID, Job, JobKind, JobStatus, new_job_id

if TYPE_CHECKING:
    from egoi_mcp.client import EGoiClient
    from egoi_mcp.store import Store

__all__ = ["JobBook"]

_OPEN: Final = "jobs:open"
_DONE: Final = "jobs:done"


def _key(job_id: str) -> str:
    return f"job:{job_id}"


def _claimable(job: Job, owner: str, now: float, wanted: Callable[[Job], bool]) -> bool:
    """Open, wanted, and held by no live lease but `owner`'s."""
    return not job.finished and wanted(job) and (job.lease_owner == owner or job.lease_until < now)


async def _nobody(job: Job) -> None:
    return None


def _no_runners(account: str, client: EGoiClient) -> JobBook:
    raise RuntimeError("this job book runs no jobs: books come from egoi_mcp.jobs.open_jobs")


def _set(value: dict[str, Any]) -> Callable[[dict[str, Any] | None], tuple[dict[str, Any], None]]:
    return lambda _: (value, None)


class JobBook:
    """Jobs of `account` (an API key's fingerprint) in `store`; finished ones kept `keep_hours`."""

    def __init__(
        self, store: Store, account: str, *, keep_hours: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.account = account
        self._keep = keep_hours * 3600
        self._clock = clock
        self.on_created: Callable[[], None] = lambda: None  # the runner's wake, once there is one
        self.announce: Callable[[Job], Awaitable[None]] = _nobody  # tells a job's subscribers it changed
        self.of_account: Callable[[str, EGoiClient], JobBook] = _no_runners  # another account's book (service)

    async def create(
        self, kind: JobKind, summary: str, params: dict[str, Any], *, total: int = 0,
        errors: list[dict[str, Any]] | None = None, invalid: int = 0, batches: list[list[Any]] | None = None,
    ) -> Job:  # fmt: skip
        """A queued job; an import's batches are stored before the record, so that a runner finds them all."""
        await self.prune()
        now = self._clock()
        job_id = new_job_id()
        for number, batch in enumerate(batches or []):
            await self.store.update_state(f"{_key(job_id)}:in:{number}", _set({"contacts": batch}))
        job = Job(job_id, self.account, kind, "queued", summary, params, total=total, invalid=invalid,
                  errors=errors or [], created=now, updated=now)  # fmt: skip
        await self.store.update_state(_key(job_id), lambda _: (job.to_json(), None))
        await self.store.update_state(_OPEN, lambda value: ({**(value or {}), job_id: self.account}, None))
        self.on_created()
        return job

    async def get(self, job_id: str) -> Job:
        """The job, if it is this account's; else JOB_NOT_FOUND (whoever else's it may be)."""
        job = None
        if isinstance(job_id, str) and JOB_ID.fullmatch(job_id):
            job = Job.from_json(await self.store.read_state(_key(job_id)))
        if job is None or job.account != self.account:
            raise JobNotFoundError(f"no job {job_id[:40]!r}: job ids come from the tool that started the job")
        return job

    async def change(self, job_id: str, change: Callable[[Job], Job | None]) -> Job | None:
        """Apply `change` to the stored job atomically (None from it: leave the job as is); the job as it ends up,
        None when it is gone. Finishing it (done, failed, cancelled) sets its expiry and takes it off the open list."""
        now = self._clock()

        def apply(value: dict[str, Any] | None) -> tuple[dict[str, Any], Job | None]:
            job = Job.from_json(value)
            if job is None:
                return (value or {}), None
            new = change(job)
            if new is None:
                return job.to_json(), job
            if new.finished and not job.finished:
                new = new.but(expires=now + self._keep, lease_owner="", lease_until=0.0)
            new = new.but(updated=now)
            return new.to_json(), new

        job = await self.store.update_state(_key(job_id), apply)
        if job is not None and job.finished:
            await self.store.update_state(_OPEN, lambda value: ({k: v for k, v in (value or {}).items() if k != job_id},
                                                                None))  # fmt: skip
            await self.store.update_state(_DONE, lambda value: ({**(value or {}), job_id: job.expires}, None))
        return job

    async def finish(self, job_id: str, status: JobStatus, **changes: Any) -> Job | None:
        """End an unfinished job with `status`; a finished one stays as it ended (a cancel wins over a late done)."""
        return await self.change(job_id, lambda job: None if job.finished else job.but(status=status, **changes))

    async def claim(self, owner: str, lease_seconds: float, wanted: Callable[[Job], bool]) -> list[Job]:
        """The open jobs of this account that `wanted` accepts and no live lease holds, now leased to `owner`."""
        now = self._clock()
        opened = await self.store.read_state(_OPEN) or {}
        claimed = []
        for job_id, account in opened.items():
            seen = Job.from_json(await self.store.read_state(_key(job_id))) if account == self.account else None
            if seen is None or not _claimable(seen, owner, now, wanted):
                continue  # nothing to write: most polls find every open job busy or waiting

            def take(job: Job) -> Job | None:
                if not _claimable(job, owner, now, wanted):
                    return None
                return job.but(lease_owner=owner, lease_until=now + lease_seconds)

            job = await self.change(job_id, take)
            if job is not None and job.lease_owner == owner and not job.finished:
                claimed.append(job)
        return claimed

    async def batch(self, job_id: str, number: int) -> list[dict[str, Any]]:
        value = await self.store.read_state(f"{_key(job_id)}:in:{number}") or {}
        contacts = value.get("contacts")
        return contacts if isinstance(contacts, list) else []

    async def put_page(self, job_id: str, number: int, content: dict[str, Any]) -> None:
        await self.store.update_state(f"{_key(job_id)}:page:{number}", _set(content))

    async def page(self, job_id: str, number: int) -> dict[str, Any] | None:
        """Page `number` (from 1) of this account's job's result."""
        job = await self.get(job_id)
        if not 1 <= number <= job.pages:
            return None
        page = await self.store.read_state(f"{_key(job_id)}:page:{number}")
        return page if isinstance(page, dict) else None

    async def prune(self) -> None:
        """Drop the finished jobs whose time is up, with their batches and pages."""
        now = self._clock()
        done = await self.store.read_state(_DONE) or {}
        expired = [job_id for job_id, at in done.items() if isinstance(at, int | float) and at < now]
        for job_id in expired:
            await self.store.drop_states(_key(job_id), below="~")
        if expired:
            await self.store.update_state(_DONE, lambda value: ({k: v for k, v in (value or {}).items()
                                                                 if k not in expired}, None))  # fmt: skip
