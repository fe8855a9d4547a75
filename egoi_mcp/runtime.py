"""What every tool and resource needs at run time: opened by the server's lifespan, closed by it."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcp.server.mcpserver import Context

if TYPE_CHECKING:
    from egoi_mcp.audit import AuditTrail
    from egoi_mcp.client import EGoiClient
    from egoi_mcp.config import Settings
    from egoi_mcp.embedded import EmbeddedSandbox
    from egoi_mcp.jobs import JobBook
    from egoi_mcp.ledger import Ledger
    from egoi_mcp.resources.notifier import EventNotifier
    from egoi_mcp.sandbox import Sandbox
    from egoi_mcp.seal import ConfirmTokens
    from egoi_mcp.store import Store
    from egoi_mcp.tools._listing import ToolListing
    from egoi_mcp.unattended import UnattendedLimits

__all__ = ["ACCOUNT", "Runtime", "runtime"]


@dataclass
class Runtime:
    settings: Settings
    client: EGoiClient
    store: Store
    notifier: EventNotifier
    tokens: ConfirmTokens
    ledger: Ledger
    unattended: UnattendedLimits
    audit: AuditTrail
    listing: ToolListing  # which registered tools each client sees in tools/list
    jobs: JobBook
    webhook_secret: str  # of this account's receiver
    public_url: str | None = None  # base URL E-goi can reach us at
    account: str = ""  # whose events and jobs these are: "" for a single-account server, else `account_of` its key
    embedded: EmbeddedSandbox | None = None  # the embedded fake E-goi, with --sandbox

    @property
    def sandbox(self) -> Sandbox | None:
        """The embedded fake E-goi account, with --sandbox."""
        return self.embedded.sandbox if self.embedded else None

    def receiver_url(self) -> str | None:
        """The full webhook URL to register with E-goi, when we know our public address."""
        from egoi_mcp.webhooks.address import receiver_url

        return receiver_url(self.public_url, self.webhook_secret, self.account)


ACCOUNT: ContextVar[Runtime | None] = ContextVar("egoi_mcp_account", default=None)  # set per request when hosted


def runtime(ctx: Context) -> Runtime:
    """The resources the server's lifespan opened, for this request: with `--auth oauth`, those of the signed-in
    user's own E-goi account (`egoi_mcp.hosted`)."""
    rt = ACCOUNT.get() or ctx.request_context.lifespan_context
    if not isinstance(rt, Runtime):
        raise RuntimeError("egoi-mcp tools run only inside the server's lifespan (see server.build_server)")
    return rt
