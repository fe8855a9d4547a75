"""The PostgreSQL store's audit rows (`AuditLog`): a table of its own, created beside the events on open."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from egoi_mcp.store.auditlog import AuditEntry, AuditOutcome

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import AsyncConnectionPool

__all__ = ["PostgresAudit"]

_LOCK_AUDIT: Final = 0x6567_6F69_0003  # advisory lock key: "egoi" and a number (replicas create it once)
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS egoi_audit (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    tool         text NOT NULL,
    summary      text NOT NULL,
    token        text NOT NULL,          -- the confirmation token's fingerprint
    principal    text,
    outcome      text NOT NULL,          -- running, done or failed
    detail       text NOT NULL DEFAULT '',
    error_code   text
);
CREATE INDEX IF NOT EXISTS egoi_audit_by_started_at ON egoi_audit (started_at);
"""
_COLUMNS: Final = "id, started_at, tool, summary, token, principal, outcome, finished_at, detail, error_code"


class PostgresAudit:
    """`PostgresStore`'s audit methods (it provides `_pool` and `_check_open`)."""

    _pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]]

    if TYPE_CHECKING:

        def _check_open(self) -> None: ...

    async def _create_audit_table(self) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_AUDIT,))
            await conn.execute(_SCHEMA)

    async def audit_begin(self, at: datetime, tool: str, summary: str, token: str, principal: str | None) -> int:
        self._check_open()
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO egoi_audit (started_at, tool, summary, token, principal, outcome)"
                " VALUES (%s, %s, %s, %s, %s, 'running') RETURNING id",
                (at, tool, summary, token, principal),
            )
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def audit_end(
        self, entry_id: int, at: datetime, outcome: AuditOutcome, detail: str, error_code: str | None
    ) -> None:
        self._check_open()
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE egoi_audit SET finished_at = %s, outcome = %s, detail = %s, error_code = %s WHERE id = %s",
                (at, outcome, detail, error_code, entry_id),
            )

    async def audit_recent(
        self, since: datetime | None, limit: int, *, principal: str | None = None
    ) -> list[AuditEntry]:
        where: list[str] = ["true"]
        args: list[Any] = []
        if since:
            where.append("started_at >= %s")
            args.append(since)
        if principal is not None:
            where.append("starts_with(principal, %s)")
            args.append(principal)
        query = f"SELECT {_COLUMNS} FROM egoi_audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT %s"
        self._check_open()
        async with self._pool.connection() as conn:
            cur = await conn.execute(query, (*args, limit))
            rows = await cur.fetchall()
        return [_entry(row) for row in rows]

    async def audit_prune(self, before: datetime) -> None:
        self._check_open()
        async with self._pool.connection() as conn:
            await conn.execute("DELETE FROM egoi_audit WHERE started_at < %s", (before,))


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    id_, started, tool, summary, token, principal, outcome, finished, detail, code = row
    return AuditEntry(
        id=int(id_), started_at=started, tool=tool, summary=summary, token=token, principal=principal,
        outcome=outcome, finished_at=finished, detail=detail, error_code=code,
    )  # fmt: skip
