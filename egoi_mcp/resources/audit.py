"""`egoi://audit/recent`: the newest destructive actions of the audit trail (see `egoi_mcp.audit`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Protocol

from mcp.server import MCPServer

from egoi_mcp.audit import RECENT_LIMIT, entry_json
from egoi_mcp.tools._results import bounded_json
from egoi_mcp.untrusted import UNTRUSTED_META

if TYPE_CHECKING:
    from egoi_mcp.audit import AuditTrail

__all__ = ["AUDIT_URI", "register_audit_resource"]

AUDIT_URI: Final = "egoi://audit/recent"
# A summary quotes names others wrote (a list's, a campaign's); an outcome may quote E-goi's error text.
_META: Final = {UNTRUSTED_META: ["[].summary", "[].detail"]}


class AuditSource(Protocol):
    """Where the resource reads the trail: the running server's `Runtime` is one."""

    @property
    def audit(self) -> AuditTrail: ...


def register_audit_resource(mcp: MCPServer, current: Callable[[], AuditSource]) -> None:
    """Add `egoi://audit/recent` to `mcp`: at most 50 actions, newest first, at most 256 KiB of JSON."""

    @mcp.resource(
        AUDIT_URI,
        name="egoi_audit_recent",
        title="Recent destructive actions",
        description=f"The audit trail: the {RECENT_LIMIT} newest destructive actions (sends, deletes, "
        "unsubscribes...), newest first: when, tool, the confirmed summary, outcome and E-goi's error code.",
        mime_type="application/json",
        meta=_META,
    )
    async def recent_audit() -> str:
        entries = await current().audit.recent(limit=RECENT_LIMIT)
        return bounded_json([entry_json(entry) for entry in entries])
