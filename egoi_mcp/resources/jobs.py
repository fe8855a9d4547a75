"""`egoi://jobs/{id}` (a job as `egoi_get_job` shows it) and `egoi://jobs/{id}/result?page=N` (its file, one
bounded page at a time: never the whole file in the model's context). Only the job's account reads either;
subscribers of a job's URI are told when it changes (the runner announces it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Protocol

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError

from egoi_mcp.errors import JobNotFoundError
from egoi_mcp.jobs.view import JobView, result_uri
from egoi_mcp.tools._results import bounded_json
from egoi_mcp.untrusted import UNTRUSTED_META

if TYPE_CHECKING:
    from egoi_mcp.jobs import JobBook

__all__ = ["JOB_RESULT_URI", "JOB_URI", "register_job_resources"]

JOB_URI: Final = "egoi://jobs/{job_id}"
JOB_RESULT_URI: Final = "egoi://jobs/{job_id}/result{?page}"
JSON: Final = "application/json"


class JobSource(Protocol):
    @property
    def jobs(self) -> JobBook: ...


def register_job_resources(mcp: MCPServer, current: Callable[[], JobSource]) -> None:
    """Add the two job templates to `mcp`."""

    @mcp.resource(
        JOB_URI,
        name="egoi_job",
        title="A job",
        description="An import, export or report job: status, progress, row errors, result pages. Subscribe to "
        "hear when it changes.",
        mime_type=JSON,
        meta={UNTRUSTED_META: ["summary", "errors", "failure"]},
    )
    async def job(job_id: str) -> str:
        try:
            found = await current().jobs.get(job_id)
        except JobNotFoundError as exc:
            raise ResourceNotFoundError(exc.message) from None
        return bounded_json(JobView.of(found).model_dump(mode="json", exclude_none=True))

    @mcp.resource(
        JOB_RESULT_URI,
        name="egoi_job_result",
        title="A job's file, page by page",
        description="One page (from 1) of a finished job's file: at most 100 CSV rows with the header; next names "
        "the following page.",
        mime_type=JSON,
        meta={UNTRUSTED_META: ["csv"]},
    )
    async def job_result(job_id: str, page: str = "1") -> str:
        number = int(page) if page.isdigit() else 0
        try:
            found = await current().jobs.get(job_id)
            content = await current().jobs.page(job_id, number)
        except JobNotFoundError as exc:
            raise ResourceNotFoundError(exc.message) from None
        if content is None:
            raise ResourceNotFoundError(
                f"job {job_id} has no page {page[:12]!r}: it has {found.pages} page(s)"
                + ("" if found.pages else f" (it is {found.status})")
            )
        following = result_uri(job_id, number + 1) if number < found.pages else None
        return bounded_json(
            {"job_id": job_id, "page": number, "pages": found.pages, "next": following, "csv": content.get("text")}
        )
