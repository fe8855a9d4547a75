"""The audit trail: every destructive action, recorded in the store before it acts and completed after.

"Who sent what, when, and what did E-goi say": each row has when it started and ended, the tool, the preview's
summary (what the human or the model confirmed), the confirmation token's fingerprint (never the token), the
principal (who confirmed, where the server authenticates users; None otherwise), the outcome and E-goi's error
code when it failed. Summaries and outcomes pass the redactor, so no secret is kept. Rows older than
`EGOI_MCP_AUDIT_MAX_AGE_DAYS` are dropped as new ones come. Read it as `egoi://audit/recent` or `egoi-mcp audit`.

A hosted connector (`--auth oauth`) records each action with `<account>/<user>` as its principal (the account
is the linked API key's fingerprint, `egoi_mcp.jobs.account_of`), and a user's `egoi://audit/recent` shows the
actions of their account, by whichever sign-in: everyone who linked that key already reads and changes the same
lists, contacts and campaigns, and "who deleted this list" is asked of the account, not of one sign-in. No other
account's action is shown. `egoi-mcp audit`, the operator's, shows every row with its principal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from egoi_mcp.redact import redact
from egoi_mcp.store.auditlog import AuditEntry, AuditLog, AuditOutcome
from egoi_mcp.untrusted import clean

__all__ = ["RECENT_LIMIT", "AccountAudit", "AuditTrail", "entries_table", "entry_json"]

RECENT_LIMIT: Final = 50


class AuditTrail:
    """Records destructive actions in the store; `max_age_days` bounds what is kept."""

    def __init__(self, store: AuditLog, *, max_age_days: float, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._max_age = timedelta(days=max_age_days)
        self._clock = clock
        self._principal: str | None = None  # recorded when `begin` is given none
        self._shown: str | None = None  # what `recent` keeps: the rows whose principal starts with it

    async def begin(self, tool: str, summary: str, token: str, principal: str | None = None) -> int:
        """Record an action about to act (dropping rows past the age bound); its id, for `end`."""
        now = self._now()
        await self._store.audit_prune(now - self._max_age)
        return await self._store.audit_begin(now, tool, redact(summary), token, principal or self._principal)

    async def end(self, entry_id: int | None, *, ok: bool, detail: str, error_code: str | None = None) -> None:
        """Complete the row `begin` returned (None: nothing was recorded, nothing to complete)."""
        if entry_id is not None:
            outcome: AuditOutcome = "done" if ok else "failed"
            await self._store.audit_end(entry_id, self._now(), outcome, redact(detail), error_code)

    async def recent(self, *, since: datetime | None = None, limit: int = RECENT_LIMIT) -> list[AuditEntry]:
        """The newest rows, at most `limit`, started at or after `since` and within the age bound."""
        oldest = self._now() - self._max_age
        return await self._store.audit_recent(max(since, oldest) if since else oldest, limit, principal=self._shown)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)


class AccountAudit(AuditTrail):
    """The trail of one hosted account, as `user` acts on it: actions recorded as `<account>/<user>`, and only the
    account's read back (see the module)."""

    def __init__(
        self, store: AuditLog, account: str, user: str, *, max_age_days: float, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(store, max_age_days=max_age_days, clock=clock)
        self._principal = f"{account}/{user}"
        self._shown = f"{account}/"


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    """One row as JSON (times in ISO 8601, UTC)."""
    return {
        "id": entry.id,
        "started_at": _iso(entry.started_at),
        "finished_at": _iso(entry.finished_at) if entry.finished_at else None,
        "tool": entry.tool,
        "summary": entry.summary,
        "token": entry.token,
        "principal": entry.principal,
        "outcome": entry.outcome,
        "detail": entry.detail,
        "error_code": entry.error_code,
    }


def entries_table(entries: Sequence[AuditEntry]) -> str:
    """Rows for a terminal, oldest first: when, tool, outcome (and error code), summary, then the result."""
    if not entries:
        return "no destructive actions recorded in this period\n"
    lines = []
    for entry in reversed(entries):
        outcome = f"{entry.outcome} {entry.error_code}" if entry.error_code else entry.outcome
        who = f" by {entry.principal}" if entry.principal else ""
        lines.append(f"{_iso(entry.started_at)}  {entry.tool}  {outcome}{who}  token {entry.token[:12]}")
        lines.append(f"    {clean(entry.summary)}")  # written partly by others: no control characters
        if entry.detail and entry.detail != entry.summary:
            lines.append(f"    -> {clean(entry.detail)}")
    return "\n".join(lines) + "\n"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
