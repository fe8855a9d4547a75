"""Limits that hold whatever the model says: what a destructive action may do with no person in the loop.

A client that cannot elicit, under `EGOI_MCP_CONFIRM=flag`, confirms on the model's word alone: the token proves
that a preview happened, not that anyone read it. So such confirms are capped by plain rules in code: the
recipients of one send, the contacts one call deletes, and the sends an hour (a counter in the shared store, so
every process and replica spends the same allowance). A client that asks its user is not capped.

A preview states what its act will do in `Plan.facts`: `recipients` (a send), `deletes` (contacts erased or
unsubscribed, a list's included).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from egoi_mcp.errors import UnattendedLimitError

if TYPE_CHECKING:
    from egoi_mcp.config import Settings
    from egoi_mcp.ledger import Plan
    from egoi_mcp.store import Store

__all__ = ["UnattendedLimits"]

_SENDS: Final = "unattended-sends"
_HOUR: Final = 3600.0
_WHY: Final = "use a client that can ask its user (elicitation), or have the operator raise"


class UnattendedLimits:
    """The caps of `Settings.unattended_*`, over the store's shared counter."""

    def __init__(self, settings: Settings, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock

    def check(self, plan: Plan) -> None:
        """Refuse a plan whose act is bigger than an unattended act may be (nothing is counted)."""
        recipients, deletes = plan.facts.get("recipients"), plan.facts.get("deletes")
        most = self._settings.unattended_max_recipients
        if isinstance(recipients, int) and recipients > most:
            raise UnattendedLimitError(
                f"this send reaches {recipients:,} contact(s), more than the {most:,} an assistant may send to with "
                f"no person confirming: {_WHY} EGOI_MCP_UNATTENDED_MAX_RECIPIENTS"
            )
        most = self._settings.unattended_max_deletes
        if isinstance(deletes, int) and deletes > most:
            raise UnattendedLimitError(
                f"this removes {deletes:,} contact(s), more than the {most:,} an assistant may remove in one call "
                f"with no person confirming: {_WHY} EGOI_MCP_UNATTENDED_MAX_DELETES"
            )

    async def take_send(self, plan: Plan) -> bool:
        """Count a send against the hour's allowance (True), or refuse it; a plan that sends nothing is free
        (False). Atomic across processes: of two racing sends at the last slot, one is refused."""
        if "recipients" not in plan.facts:
            return False
        now, most = self._clock(), self._settings.unattended_sends_per_hour

        def take(value: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
            recent = [t for t in (value or {}).get("at", []) if isinstance(t, float | int) and now - t < _HOUR]
            if len(recent) >= most:
                return {"at": recent}, False
            return {"at": [*recent, now]}, True

        if not await self._store.update_state(_SENDS, take):
            raise UnattendedLimitError(
                f"an assistant has made {most} send(s) in the last hour with no person confirming, the most allowed: "
                f"{_WHY} EGOI_MCP_UNATTENDED_SENDS_PER_HOUR"
            )
        return True

    async def give_back(self) -> None:
        """Return the last send taken (its act did not start: the token had acted already)."""

        def back(value: dict[str, Any] | None) -> tuple[dict[str, Any], None]:
            recent = list((value or {}).get("at", []))
            return {"at": recent[:-1]}, None

        await self._store.update_state(_SENDS, back)
