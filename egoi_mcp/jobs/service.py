"""The jobs of a running server: one book per account, each with its runner, and how a job's change reaches
subscribers.

An account is its API key's fingerprint (`account_of`, the name the rate budget gives it; the sandbox of a
single-account server is one account). The server's own account gets its book and runner when the server
starts, so its open jobs resume at once. A hosted user's account (`egoi_mcp.hosted.accounts`) gets its own book
and runner, working on that account's E-goi client, when the account is first used after the start: an open job
of a hosted account therefore resumes after a restart at the latest when one of its users next sends a request.
"""

from __future__ import annotations

import functools
import os
import secrets
import socket
from typing import TYPE_CHECKING

from egoi_mcp.jobs.book import JobBook
from egoi_mcp.jobs.record import Job
from egoi_mcp.jobs.runner import JobRunner
from egoi_mcp.jobs.view import job_uri
from egoi_mcp.ratelimit import budget_key

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from egoi_mcp.client import EGoiClient
    from egoi_mcp.config import Settings
    from egoi_mcp.resources.notifier import EventNotifier
    from egoi_mcp.store import Store

__all__ = ["JobBooks", "account_of", "open_jobs"]


def account_of(api_key: str | None) -> str:
    """The account of `api_key` as jobs (and the hosted audit trail) name it: the key's fingerprint."""
    return budget_key(api_key).removeprefix("ratelimit:")


class JobBooks:
    """The book of each account, and its runner in `tasks` on that account's E-goi client."""

    def __init__(
        self, settings: Settings, store: Store, notifier: EventNotifier, tasks: TaskGroup, *,
        callback_base: str | None, own_account: str,
    ) -> None:  # fmt: skip
        self._own_account = own_account  # the server's: its jobs' updates are published unscoped, as its events'
        self._settings = settings
        self._store = store
        self._notifier = notifier
        self._tasks = tasks
        self._callback_base = callback_base
        self._books: dict[str, JobBook] = {}

    def book(self, account: str, client: EGoiClient) -> JobBook:
        """The book of `account`; the first call starts its runner, on `client`, under an owner name of its own
        (host, process, random), so that two runners never hold one job."""
        found = self._books.get(account)
        if found is not None:
            return found
        book = self._books[account] = JobBook(self._store, account, keep_hours=self._settings.jobs_keep_hours)
        owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        runner = JobRunner(book, client, owner=owner, lease_seconds=self._settings.jobs_lease_seconds,
                           callback_base=self._callback_base)  # fmt: skip
        book.on_created, book.of_account = runner.wake, self.book
        book.announce = functools.partial(self._announce, "" if account == self._own_account else account)
        self._tasks.start_soon(runner.run)
        return book

    async def _announce(self, scope: str, job: Job) -> None:
        """Tell the job's subscribers, of its account only: a hosted user subscribed to another account's job
        id hears nothing of it (`egoi_mcp.resources.scoped`)."""
        await self._notifier.announce(job_uri(job.id), scope)


def open_jobs(
    settings: Settings, store: Store, client: EGoiClient, notifier: EventNotifier, tasks: TaskGroup, *,
    callback_base: str | None,
) -> JobBook:  # fmt: skip
    """The book of the server's account, its runner started in `tasks`; `book.of_account` opens the others'."""
    own = account_of(None if settings.sandbox else settings.key)
    return JobBooks(settings, store, notifier, tasks, callback_base=callback_base, own_account=own).book(own, client)
