"""What a caller is shown of a job (`egoi_get_job`, `egoi://jobs/{id}`): never its lease, account or parameters."""

from __future__ import annotations

from typing import Any

from egoi_mcp._model import Model
from egoi_mcp.jobs.record import Job

__all__ = ["JobView", "job_uri", "result_uri"]


def job_uri(job_id: str) -> str:
    return f"egoi://jobs/{job_id}"


def result_uri(job_id: str, page: int = 1) -> str:
    return f"egoi://jobs/{job_id}/result?page={page}"


class JobView(Model):
    # no docstring: it would be sent in every job tool's output schema
    job_id: str
    kind: str
    status: str  # queued, running, done, failed or cancelled
    summary: str
    progress: dict[str, int]  # done, total
    resource: str
    invalid: int | None = None  # rows refused before the import (errors: row and reason)
    errors: list[dict[str, Any]] | None = None
    failure: str | None = None
    result: dict[str, Any] | None = None  # pages, format, first: a resource to read page by page

    @classmethod
    def of(cls, job: Job, *, errors: int | None = None) -> JobView:
        """The job as shown; with `errors`, at most that many row errors (the rest are in its resource)."""
        result = None
        if job.pages:
            result = {"pages": job.pages, "format": job.result_format, "first": result_uri(job.id)}
        return cls(
            job_id=job.id, kind=job.kind, status=job.status, summary=job.summary,
            progress={"done": job.done, "total": job.total}, resource=job_uri(job.id),
            invalid=job.invalid or None, errors=job.errors[:errors] or None, failure=job.failure or None, result=result,
        )  # fmt: skip
