"""The PostgreSQL schema: created and migrated on open, under an advisory lock, its version in `egoi_schema`."""

from __future__ import annotations

from typing import Any, Final

import psycopg

from egoi_mcp.store.base import StoreError

__all__ = ["LOCK_SCHEMA", "SCHEMA_VERSION", "migrate"]

SCHEMA_VERSION: Final = 2
LOCK_SCHEMA: Final = 0x6567_6F69_0001  # advisory lock keys: "egoi" and a number
_MIGRATIONS: Final = (
    """
    CREATE TABLE egoi_events (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        trigger      text NOT NULL,
        action       text,
        list_id      bigint,
        contact_id   text,
        email        text,
        campaign_id  text,
        occurred_at  timestamptz,
        received_at  timestamptz NOT NULL,
        payload      text NOT NULL,          -- the delivery as received, as JSON text (jsonb would reorder it)
        body_sha256  text NOT NULL UNIQUE,
        delivery_id  text UNIQUE
    );
    CREATE INDEX egoi_events_by_trigger ON egoi_events (trigger, id);
    CREATE INDEX egoi_events_by_received_at ON egoi_events (received_at);
    CREATE INDEX egoi_events_by_email ON egoi_events (lower(email), id);
    CREATE TABLE egoi_shared (name text PRIMARY KEY, value text NOT NULL);
    """,
    # 2: each event is its account's ('' for a single-account server's), a repeat judged within the account.
    """
    ALTER TABLE egoi_events ADD COLUMN account text NOT NULL DEFAULT '';
    ALTER TABLE egoi_events DROP CONSTRAINT IF EXISTS egoi_events_body_sha256_key;
    ALTER TABLE egoi_events DROP CONSTRAINT IF EXISTS egoi_events_delivery_id_key;
    CREATE UNIQUE INDEX egoi_events_account_body ON egoi_events (account, body_sha256);
    CREATE UNIQUE INDEX egoi_events_account_delivery ON egoi_events (account, delivery_id);
    DROP INDEX IF EXISTS egoi_events_by_trigger;
    DROP INDEX IF EXISTS egoi_events_by_list;
    DROP INDEX IF EXISTS egoi_events_by_contact;
    DROP INDEX IF EXISTS egoi_events_by_campaign;
    DROP INDEX IF EXISTS egoi_events_by_email;
    DROP INDEX IF EXISTS egoi_events_by_lower_email;
    """,
)
# One index per filter of `page`, each leading with the account and ending in id, created on every open where
# missing (after migration 2, which drops the ones that did not lead with the account). The e-mail index carries
# the address itself, so that counting matches reads the index alone, and the time index the id, so that `since`
# finds its ids in the index alone. The time index without the account is retention's (over every account); it
# replaces migration 1's.
_INDEXES: Final = {
    "egoi_events_by_account": "CREATE INDEX IF NOT EXISTS egoi_events_by_account ON egoi_events (account, id)",
    "egoi_events_by_account_trigger": "CREATE INDEX IF NOT EXISTS egoi_events_by_account_trigger"
    " ON egoi_events (account, trigger, id)",
    "egoi_events_by_account_list": "CREATE INDEX IF NOT EXISTS egoi_events_by_account_list"
    " ON egoi_events (account, list_id, id)",
    "egoi_events_by_account_contact": "CREATE INDEX IF NOT EXISTS egoi_events_by_account_contact"
    " ON egoi_events (account, contact_id, id)",
    "egoi_events_by_account_campaign": "CREATE INDEX IF NOT EXISTS egoi_events_by_account_campaign"
    " ON egoi_events (account, campaign_id, id)",
    "egoi_events_by_account_received_at": "CREATE INDEX IF NOT EXISTS egoi_events_by_account_received_at"
    " ON egoi_events (account, received_at, id)",
    "egoi_events_by_account_email": "CREATE INDEX IF NOT EXISTS egoi_events_by_account_email"
    " ON egoi_events (account, lower(email), id) INCLUDE (email)",
    "egoi_events_by_received_at_id": "CREATE INDEX IF NOT EXISTS egoi_events_by_received_at_id"
    " ON egoi_events (received_at, id); DROP INDEX IF EXISTS egoi_events_by_received_at",
}


async def migrate(conn: psycopg.AsyncConnection[Any], location: str) -> None:
    """Create or migrate the schema on `conn`, within its transaction; StoreError for a database not ours."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_SCHEMA,))
    cur = await conn.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_name LIKE 'egoi\\_%%'"
    )
    tables = {row[0] for row in await cur.fetchall()}
    version = 0
    if "egoi_schema" in tables:
        cur = await conn.execute("SELECT version FROM egoi_schema")
        row = await cur.fetchone()
        version = int(row[0]) if row else 0
    elif tables:
        raise StoreError(
            f"the database at {location} has egoi_* tables ({', '.join(sorted(tables))}) that egoi-mcp "
            "did not create: they were left untouched; use another database or schema"
        )
    else:
        await conn.execute("CREATE TABLE egoi_schema (version integer NOT NULL)")
        await conn.execute("INSERT INTO egoi_schema (version) VALUES (0)")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the database at {location} was written by a newer egoi-mcp (schema {version}): upgrade egoi-mcp"
        )
    for number, migration in enumerate(_MIGRATIONS, start=1):
        if number > version:
            await conn.execute(migration)
    cur = await conn.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'egoi_events'"
    )
    present = {row[0] for row in await cur.fetchall()}
    for name, statement in _INDEXES.items():
        if name not in present:  # checked first: CREATE INDEX IF NOT EXISTS still locks the table
            await conn.execute(statement)
    await conn.execute("UPDATE egoi_schema SET version = %s", (SCHEMA_VERSION,))
