"""The async E-goi client: `EGoiClient` over a small transport layer (see `_transport`)."""

from egoi_mcp.client._base import DEFAULT_BASE_URL
from egoi_mcp.client._client import EGoiClient
from egoi_mcp.client._contacts import ContactStatus, DeleteMode
from egoi_mcp.client._validate import egoi_phone

__all__ = ["DEFAULT_BASE_URL", "ContactStatus", "DeleteMode", "EGoiClient", "egoi_phone"]
