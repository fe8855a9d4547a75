"""What every tool and resource needs at run time, built once per server process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from egoi_mcp.client import EGoiClient
from egoi_mcp.config import Settings

if TYPE_CHECKING:
    from egoi_mcp.store import Store


@dataclass
class Runtime:
    settings: Settings
    client: EGoiClient
    store: Store
    webhook_secret: str
    sandbox: Any = None  # the embedded sandbox app, when running with --sandbox
    public_url: str | None = field(default=None)  # base URL E-goi can reach us at

    @property
    def receiver_path(self) -> str:
        return f"/webhooks/egoi/{self.webhook_secret}"

    def receiver_url(self) -> str | None:
        """The full webhook URL to register with E-goi, when we know our public address."""
        base = self.public_url or self.settings.public_url
        return base.rstrip("/") + self.receiver_path if base else None
