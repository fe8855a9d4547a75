"""The ledger of previews: what each destructive preview promised, and whether its token has acted.

A preview records its summary and what it learned (`Plan.facts`: the resolved list, the contact's address, the
pending operations) under its token's key; the confirm reads them back, so it costs no E-goi call of its own and
the human is asked the very sentence the preview showed. `start` moves an entry from `previewed` to `running` in
one atomic change of the shared store (SQLite or PostgreSQL, every process and replica alike): of any number of
uses of one token, sequential or concurrent, exactly one acts. The others read the first one's outcome. Entries
are kept until their token expires, then pruned (the key sorts by expiry, so one range goes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from egoi_mcp.seal import SealedToken
    from egoi_mcp.store import Store

__all__ = ["Entry", "Ledger", "Plan"]

_PREFIX: Final = "confirm:"
State = Literal["previewed", "running", "done", "failed"]


@dataclass(frozen=True)
class Plan:
    """What a preview found: the one-line effect, and the facts the act needs so that it reads nothing again."""

    summary: str
    facts: dict[str, Any] = field(default_factory=dict)
    arguments: dict[str, Any] | None = None  # what the confirm passes instead of the tool's own (too big to echo)


@dataclass(frozen=True)
class Entry:
    """One preview in the ledger."""

    tool: str
    plan: Plan
    state: State
    outcome: str = ""  # what the act did, or the error it met
    at: float = 0.0  # when the act started, then when it ended (epoch seconds)

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "summary": self.plan.summary, "facts": self.plan.facts, "state": self.state,
                "outcome": self.outcome, "at": self.at}  # fmt: skip

    @classmethod
    def from_json(cls, value: Any) -> Entry | None:
        if not isinstance(value, dict) or not isinstance(value.get("summary"), str):
            return None
        plan = Plan(value["summary"], dict(value.get("facts") or {}))
        return cls(str(value.get("tool")), plan, value.get("state", "previewed"), str(value.get("outcome") or ""),
                   float(value.get("at") or 0.0))  # fmt: skip


class Ledger:
    """Previews and their outcomes in the shared store."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    async def record(self, token: SealedToken, tool: str, plan: Plan) -> None:
        """Keep a fresh preview (and drop the entries whose tokens have expired)."""
        await self._store.drop_states(_PREFIX, below=f"{int(self._clock()):012d}")
        entry = Entry(tool, plan, "previewed").to_json()
        await self._store.update_state(_PREFIX + token.key, lambda _: (entry, None))

    async def read(self, token: SealedToken) -> Entry | None:
        """The preview of `token`, as it stands; None when the store has no such preview (nothing is written)."""
        value = await self._store.read_state(_PREFIX + token.key)
        return Entry.from_json(value if isinstance(value, dict) else None)

    async def start(self, token: SealedToken) -> tuple[bool, Entry | None]:
        """Claim the act: `(True, entry)` for the one use that moved it to `running`, else `(False, entry as is)`."""
        now = self._clock()

        def claim(value: dict[str, Any] | None) -> tuple[dict[str, Any], tuple[bool, Entry | None]]:
            entry = Entry.from_json(value)
            if entry is None or entry.state != "previewed":
                return (value if value is not None else {}), (False, entry)
            running = Entry(entry.tool, entry.plan, "running", entry.plan.summary, now)
            return running.to_json(), (True, running)

        return await self._store.update_state(_PREFIX + token.key, claim)

    async def finish(self, token: SealedToken, *, ok: bool, outcome: str) -> None:
        """Record how the act ended: later uses of the token answer with it."""
        now = self._clock()

        def end(value: dict[str, Any] | None) -> tuple[dict[str, Any], None]:
            entry = Entry.from_json(value)
            if entry is None:
                return (value if value is not None else {}), None
            return Entry(entry.tool, entry.plan, "done" if ok else "failed", outcome, now).to_json(), None

        await self._store.update_state(_PREFIX + token.key, end)
