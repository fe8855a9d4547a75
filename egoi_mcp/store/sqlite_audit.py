"""The SQLite store's audit rows (`AuditLog`): a table of its own, created beside the events on open."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

from egoi_mcp.store.auditlog import AuditEntry, AuditOutcome
from egoi_mcp.store.base import utc
from egoi_mcp.store.sqlite_db import write

__all__ = ["AUDIT_TABLE", "SQLiteAudit"]

T = TypeVar("T")

AUDIT_TABLE: Final = "audit"
_SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS audit (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at   TEXT NOT NULL,   -- ISO 8601, UTC, fixed width: sorts as text
        finished_at  TEXT,
        tool         TEXT NOT NULL,
        summary      TEXT NOT NULL,
        token        TEXT NOT NULL,   -- the confirmation token's fingerprint
        principal    TEXT,
        outcome      TEXT NOT NULL,   -- running, done or failed
        detail       TEXT NOT NULL DEFAULT '',
        error_code   TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS audit_by_started_at ON audit (started_at)",
)
_COLUMNS: Final = "id, started_at, tool, summary, token, principal, outcome, finished_at, detail, error_code"


class SQLiteAudit:
    """`SQLiteStore`'s audit methods (it provides `_run`, its worker, and `_db`, its connection)."""

    if TYPE_CHECKING:

        async def _run(self, fn: Callable[..., T], *args: Any) -> T: ...

        @property
        def _db(self) -> sqlite3.Connection: ...

    def _create_audit_table(self) -> None:
        db = self._db
        with write(db):
            for statement in _SCHEMA:
                db.execute(statement)

    async def audit_begin(self, at: datetime, tool: str, summary: str, token: str, principal: str | None) -> int:
        def insert() -> int:
            db = self._db
            with write(db):
                cursor = db.execute(
                    "INSERT INTO audit (started_at, tool, summary, token, principal, outcome) VALUES (?,?,?,?,?,?)",
                    (_iso(at), tool, summary, token, principal, "running"),
                )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        return await self._run(insert)

    async def audit_end(
        self, entry_id: int, at: datetime, outcome: AuditOutcome, detail: str, error_code: str | None
    ) -> None:
        def update() -> None:
            db = self._db
            with write(db):
                db.execute(
                    "UPDATE audit SET finished_at = ?, outcome = ?, detail = ?, error_code = ? WHERE id = ?",
                    (_iso(at), outcome, detail, error_code, entry_id),
                )

        await self._run(update)

    async def audit_recent(
        self, since: datetime | None, limit: int, *, principal: str | None = None
    ) -> list[AuditEntry]:
        where: list[str] = ["1"]
        args: list[Any] = []
        if since:
            where.append("started_at >= ?")
            args.append(_iso(since))
        if principal is not None:
            where.append("substr(principal, 1, ?) = ?")
            args += [len(principal), principal]
        query = f"SELECT {_COLUMNS} FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"

        def select() -> list[AuditEntry]:
            rows = self._db.execute(query, (*args, limit))
            return [_entry(row) for row in rows.fetchall()]

        return await self._run(select)

    async def audit_prune(self, before: datetime) -> None:
        def delete() -> None:
            db = self._db
            with write(db):
                db.execute("DELETE FROM audit WHERE started_at < ?", (_iso(before),))

        await self._run(delete)


def _iso(value: datetime) -> str:
    return utc(value).isoformat(timespec="microseconds")


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    id_, started, tool, summary, token, principal, outcome, finished, detail, code = row
    return AuditEntry(
        id=id_, started_at=datetime.fromisoformat(started), tool=tool, summary=summary, token=token,
        principal=principal, outcome=outcome, finished_at=datetime.fromisoformat(finished) if finished else None,
        detail=detail, error_code=code,
    )  # fmt: skip
