"""The receiver's URL secret: configured (`EGOI_WEBHOOK_SECRET`), or generated once and kept in the store.

Every process and replica sharing the store reads the same secret, so they all accept the URL registered with
E-goi. Installs from before the store held it kept it in a file beside the SQLite database
(`events.db.webhook-secret`); when that file exists its secret is adopted, so their registered URL still works.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from egoi_mcp.store import Store

__all__ = ["SECRET_NAME", "webhook_secret"]

SECRET_NAME: Final = "webhook"
_SECRET_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{16,}")


async def webhook_secret(store: Store, configured: str | None = None) -> str:
    """`configured` when given; else the store's shared webhook secret, created on first use."""
    if configured:
        return configured
    return await store.shared_secret(SECRET_NAME, initial=_legacy_secret(store.location))


def _legacy_secret(db: str) -> str | None:
    """The secret in the file older versions kept beside a SQLite database; None without a usable one."""
    if "://" in db:
        return None
    path = Path(db)
    try:
        text = path.with_name(path.name + ".webhook-secret").read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if _SECRET_SHAPE.fullmatch(text) else None
