"""The job runner: an asyncio task of the server's lifespan that claims this account's open jobs and runs them.

On start-up, every `poll` seconds and whenever woken (a job was created, a callback arrived), it claims the
open jobs no live lease holds: so a restart, a kill -9 or another replica picks up a job where it was once
the dead runner's lease (`lease_seconds`, renewed at every batch) runs out, and two never run one job.

An import posts its stored batches in order and records each one after E-goi accepted it. A kill between the
POST and the record posts that batch once more on resume: the import runs in E-goi's `update` mode matched by
e-mail, so the replayed batch updates the same contacts with the same values and no row is imported twice.
An export or report is requested once (with the callback URL), then waits without a lease; E-goi's callback
stores the file's URL in the job (`callbacks.py`), and the next claim fetches the file and stores it as pages.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Final

import anyio

from egoi_mcp.errors import EGoiError, InvalidArgumentError, NetworkError, RateLimitError, UpstreamError
from egoi_mcp.jobs.record import Job
from egoi_mcp.redact import redact

if TYPE_CHECKING:
    from egoi_mcp.client import EGoiClient
    from egoi_mcp.jobs.book import JobBook

__all__ = ["PAGE_BYTES", "PAGE_ROWS", "JobRunner", "csv_pages"]

logger = logging.getLogger("egoi_mcp.jobs")

PAGE_ROWS: Final = 100
PAGE_BYTES: Final = 32 * 1024


def csv_pages(text: str) -> tuple[list[str], int]:
    """A CSV file as pages of at most `PAGE_ROWS` rows and about `PAGE_BYTES`, each with the header; and its rows."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], 0
    header, body = rows[0], rows[1:]
    pages: list[str] = []
    start = 0
    while start < len(body) or not pages:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        end = start
        while end < len(body) and end - start < PAGE_ROWS and (end == start or out.tell() < PAGE_BYTES):
            writer.writerow(body[end])
            end += 1
        pages.append(out.getvalue())
        start = end
    return pages, len(body)


def _recorded(number: int, count: int) -> Callable[[Job], Job | None]:
    """Batch `number` (of `count` contacts) accepted by E-goi: recorded once, whatever happened meanwhile."""
    return lambda job: job.but(chunks_done=number + 1, done=job.done + count) if job.chunks_done == number else None


def _wanted(job: Job) -> bool:
    """Whether a runner has something to do for `job` now (an export waiting for its callback has not)."""
    return job.kind == "import" or not job.params.get("requested") or bool(job.params.get("file"))


class JobRunner:
    """Runs this account's jobs; each change goes to the job's subscribers (`book.announce`)."""

    def __init__(
        self,
        book: JobBook,
        client: EGoiClient,
        *,
        owner: str,
        lease_seconds: float,
        callback_base: str | None,
        poll: float = 1.0,
    ) -> None:
        self.book = book
        self._client = client
        self._owner = owner
        self._lease = lease_seconds
        self._callback_base = callback_base
        self._poll = poll
        self._wake = anyio.Event()
        self._running: set[str] = set()

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Claim and run jobs until cancelled."""
        async with anyio.create_task_group() as tasks:
            while True:
                try:
                    for job in await self.book.claim(self._owner, self._lease, _wanted):
                        if job.id not in self._running:
                            self._running.add(job.id)
                            tasks.start_soon(self._run_one, job)
                    await self.book.prune()
                except Exception:  # a store briefly unavailable: try again next round
                    logger.exception("claiming jobs failed; retrying in %s s", self._poll)
                with anyio.move_on_after(self._poll):
                    await self._wake.wait()
                self._wake = anyio.Event()

    async def _run_one(self, job: Job) -> None:
        try:
            if job.kind == "import":
                await self._import(job)
            elif job.params.get("file"):
                await self._fetch(job)
            else:
                await self._request(job)
        except (NetworkError, UpstreamError, RateLimitError) as exc:  # E-goi will likely answer later: keep it open
            logger.warning("job %s paused: %s", job.id, redact(str(exc)))
            await self.book.change(job.id, lambda j: j.but(lease_owner="", lease_until=time.time() + self._lease))
        except EGoiError as exc:
            failed = await self.book.finish(job.id, "failed", failure=redact(f"{exc.code}: {exc.message}"))
            if failed is not None:
                await self.book.announce(failed)
        except Exception:
            logger.exception("job %s failed unexpectedly; another claim will try again", job.id)
        except anyio.get_cancelled_exc_class():  # the server is stopping: whoever starts next resumes it at once
            with anyio.CancelScope(shield=True):
                await self.book.change(
                    job.id, lambda j: j.but(lease_owner="", lease_until=0.0) if self._mine(j) else None
                )
            raise
        finally:
            self._running.discard(job.id)

    def _mine(self, job: Job) -> bool:
        return job.lease_owner == self._owner and not job.finished

    def _released(self, job: Job) -> Job | None:
        return job.but(lease_owner="", lease_until=0.0) if self._mine(job) else None

    async def _import(self, job: Job) -> None:
        list_id, batches = int(job.params["list_id"]), int(job.params["batches"])
        for number in range(job.chunks_done, batches):
            renewed = await self.book.change(
                job.id,
                lambda j: j.but(status="running", lease_until=time.time() + self._lease) if self._mine(j) else None,
            )
            if renewed is None or not self._mine(renewed):
                return  # cancelled, or another runner has it now
            contacts = await self.book.batch(job.id, number)
            await self._client.bulk.import_contacts(list_id, contacts, None)
            recorded = await self.book.change(job.id, _recorded(number, len(contacts)))
            if recorded is not None:
                await self.book.announce(recorded)
        finished = await self.book.finish(job.id, "done")
        if finished is not None:
            await self.book.announce(finished)

    async def _request(self, job: Job) -> None:
        if self._callback_base is None:
            raise InvalidArgumentError("E-goi cannot reach this server to deliver the file: set EGOI_MCP_PUBLIC_URL")
        callback, params = f"{self._callback_base}/jobs/{job.id}", job.params
        if job.kind == "export":
            await self._client.bulk.export_contacts(
                int(params["list_id"]), callback, segments=params.get("segments"), fields=params.get("fields")
            )
        else:
            start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
            await self._client.bulk.request_report(params["report"], int(params["list_id"]), start, end, callback)
        asked = await self.book.change(
            job.id,
            lambda j: (
                j.but(status="running", params={**j.params, "requested": True}, lease_owner="", lease_until=0.0)
                if self._mine(j)
                else None
            ),
        )
        if asked is not None:
            await self.book.announce(asked)

    async def _fetch(self, job: Job) -> None:
        text = await self._client.bulk.download(str(job.params["file"]))
        pages, rows = csv_pages(text)
        for number, page in enumerate(pages, start=1):
            await self.book.put_page(job.id, number, {"format": "csv", "text": page})
        done = await self.book.finish(job.id, "done", pages=len(pages), result_format="csv", total=rows, done=rows)
        if done is not None:
            await self.book.announce(done)
