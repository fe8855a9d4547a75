"""What a client wrote into campaigns: E-goi's API never returns a campaign's content, so the content summary,
the preview and an SMS's part count come from here.

Kept in memory (the newest `REMEMBERED`), and, given a store (the server passes its own), there too: every
process and replica sharing the store then knows a campaign written by any of them, across restarts. Keys name
the account (a hash of its API key, never the key) and the campaign.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Final, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["REMEMBERED", "ContentState", "Written", "WrittenContent"]

T = TypeVar("T")
logger = logging.getLogger("egoi_mcp.client")
REMEMBERED: Final = 200  # campaigns a client keeps in memory


class Written(BaseModel):
    """What this client wrote into a campaign (E-goi's API does not return it)."""

    html: str | None = None
    plain_text: str = ""
    sender: str | None = None
    reply_to: str | None = None


class ContentState(Protocol):
    """Where written content outlasts the process: the server's store (SQLite or PostgreSQL)."""

    async def read_state(self, key: str) -> Any: ...

    async def update_state(self, key: str, change: Any) -> Any: ...


class WrittenContent:
    """The content this client wrote, by campaign hash: memory first, then the store when there is one."""

    def __init__(self, api_key: str, state: ContentState | None = None) -> None:
        self._state = state
        self._prefix = "written:" + hashlib.sha256(api_key.encode()).hexdigest()[:16] + ":"
        self._memory: dict[str, Written] = {}

    async def get(self, campaign_id: str) -> Written | None:
        """What was written into `campaign_id`, or None when nothing sharing this store wrote it."""
        known = self._memory.get(campaign_id)
        if known is not None or self._state is None:
            return known
        try:
            known = Written.model_validate(await self._state.read_state(self._prefix + campaign_id))
        except ValidationError:
            return None  # nothing stored (None), or not ours to read
        except Exception:  # the store failed: the campaign is still E-goi's to show, without its content
            logger.warning("campaign %s: its written content could not be read from the store", campaign_id)
            return None
        self._keep(campaign_id, known)
        return known

    async def put(self, campaign_id: str, written: Written) -> None:
        """Remember what was just written (after E-goi accepted it). A store that fails here costs only the
        sharing: the write itself succeeded, and failing it would invite the caller to make the campaign again."""
        self._keep(campaign_id, written)
        if self._state is None:
            return
        value = written.model_dump()
        try:
            await self._state.update_state(self._prefix + campaign_id, lambda _: (value, None))
        except Exception:
            logger.warning("campaign %s: its content is kept in this process only (the store failed)", campaign_id)

    def _keep(self, campaign_id: str, written: Written) -> None:
        self._memory.pop(campaign_id, None)
        self._memory[campaign_id] = written
        while len(self._memory) > REMEMBERED:
            self._memory.pop(next(iter(self._memory)))
