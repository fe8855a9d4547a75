"""Long work as tracked jobs (imports, exports, advanced reports): resumable, per account, in the store."""

from egoi_mcp.jobs.book import JobBook
from egoi_mcp.jobs.callbacks import job_callback_routes
from egoi_mcp.jobs.record import Job
from egoi_mcp.jobs.runner import JobRunner
from egoi_mcp.jobs.service import JobBooks, account_of, open_jobs
from egoi_mcp.jobs.view import JobView, job_uri, result_uri

__all__ = [
    "Job", "JobBook", "JobBooks", "JobRunner", "JobView", "account_of", "job_callback_routes", "job_uri", "open_jobs",
    "result_uri",
]  # fmt: skip
