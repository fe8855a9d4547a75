"""The audit trail's rows, as both engines store them: what `Store`'s `audit_*` methods take and return.

The policy (what is recorded, redacted, for how long) is `egoi_mcp.audit`'s; the store only keeps rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

__all__ = ["AuditEntry", "AuditLog", "AuditOutcome"]

AuditOutcome = Literal["running", "done", "failed"]


@dataclass(frozen=True)
class AuditEntry:
    """One destructive action: recorded when it starts, completed when it ends."""

    id: int
    started_at: datetime
    tool: str
    summary: str  # the preview's sentence, redacted
    token: str  # the confirmation token's fingerprint (never the token)
    principal: str | None  # who confirmed, where the server authenticates users
    outcome: AuditOutcome
    finished_at: datetime | None = None
    detail: str = ""  # what the act did, or the error it met
    error_code: str | None = None  # E-goi's (or our) error code when it failed


class AuditLog(Protocol):
    """The store's audit rows, shared by every process and replica using it."""

    async def audit_begin(self, at: datetime, tool: str, summary: str, token: str, principal: str | None) -> int:
        """Record an action about to start (`running`); its row id."""
        ...

    async def audit_end(
        self, entry_id: int, at: datetime, outcome: AuditOutcome, detail: str, error_code: str | None
    ) -> None:
        """Complete the row `entry_id` with how the action ended."""
        ...

    async def audit_recent(
        self, since: datetime | None, limit: int, *, principal: str | None = None
    ) -> list[AuditEntry]:
        """At most `limit` rows started at or after `since`, newest first; with `principal`, only the rows whose
        principal starts with it."""
        ...

    async def audit_prune(self, before: datetime) -> None:
        """Drop the rows started before `before`."""
        ...
