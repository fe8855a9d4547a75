"""egoi-mcp: an MCP server and async Python client for the E-goi marketing API v3."""

from egoi_mcp.client import EGoiClient
from egoi_mcp.errors import EGoiError

__version__ = "0.1.0"
__all__ = ["EGoiClient", "EGoiError", "__version__"]
