"""A job: work that takes longer than a call (an import, an export, an advanced report), as one JSON record.

The record is a shared state of the store (`job:<id>`), changed atomically like the ledger's entries, so that
every process and replica sharing the store sees one truth. It belongs to one account (the API key's
fingerprint) and carries its progress, its per-row errors, its lease (who runs it, until when) and, once done,
how many result pages it has (`job:<id>:page:<n>`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final, Literal

__all__ = ["FINISHED", "JOB_ID", "MAX_ERRORS", "Job", "JobKind", "JobStatus", "new_job_id", "row_error"]

JobKind = Literal["import", "export", "report"]
JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: Final[frozenset[str]] = frozenset({"done", "failed", "cancelled"})
MAX_ERRORS: Final = 1000  # per-row errors a job keeps (the count goes on)
JOB_ID: Final = re.compile(r"j[0-9a-f]{16}")


def new_job_id() -> str:
    """`j` and 16 hex digits: unguessable, fixed length (no id is a prefix of another)."""
    return "j" + secrets.token_hex(8)


def row_error(row: int, reason: str) -> dict[str, Any]:
    return {"row": row, "reason": reason}


@dataclass(frozen=True)
class Job:
    """One job as stored. `done`/`total` count rows (imports) or result rows (exports, reports)."""

    id: str
    account: str
    kind: JobKind
    status: JobStatus
    summary: str  # what it does, in one line
    params: dict[str, Any]  # what the runner needs: list_id, chunks, E-goi's request
    total: int = 0
    done: int = 0
    invalid: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    chunks_done: int = 0
    pages: int = 0  # result pages stored
    result_format: str = ""  # csv or json, once there is a result
    failure: str = ""
    lease_owner: str = ""
    lease_until: float = 0.0
    created: float = 0.0
    updated: float = 0.0
    expires: float = 0.0  # set when it finishes

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> Job | None:
        if not value or not isinstance(value.get("id"), str):
            return None
        known = {name: value[name] for name in cls.__dataclass_fields__ if name in value}
        return cls(**known)

    def but(self, **changes: Any) -> Job:
        return replace(self, **changes)
