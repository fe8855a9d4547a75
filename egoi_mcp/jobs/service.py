"""The jobs of a running server: its account's book and runner, and how a job's change reaches subscribers."""

from __future__ import annotations

import os
import secrets
import socket
from typing import TYPE_CHECKING

from mcp.server.subscriptions import ResourceUpdated

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

__all__ = ["open_jobs"]


def open_jobs(
    settings: Settings, store: Store, client: EGoiClient, notifier: EventNotifier, tasks: TaskGroup, *,
    callback_base: str | None,
) -> JobBook:  # fmt: skip
    """The book of the server's account (its API key's fingerprint, as the rate budget names it; the sandbox is
    one account), its runner started in `tasks` under an owner name of its own (host, process, random)."""
    account = budget_key(None if settings.sandbox else settings.key).removeprefix("ratelimit:")
    book = JobBook(store, account, keep_hours=settings.jobs_keep_hours)

    async def announce(job: Job) -> None:
        uri = job_uri(job.id)
        await notifier.bus.publish(ResourceUpdated(uri=uri))
        await notifier.notify_uris([uri])

    owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    runner = JobRunner(book, client, owner=owner, lease_seconds=settings.jobs_lease_seconds,
                       callback_base=callback_base)  # fmt: skip
    book.on_created, book.announce = runner.wake, announce
    tasks.start_soon(runner.run)
    return book
