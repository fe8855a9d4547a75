"""egoi-mcp: an MCP server and async Python client for the E-goi marketing API v3."""

from __future__ import annotations

from typing import TYPE_CHECKING

from egoi_mcp.errors import EGoiError

if TYPE_CHECKING:
    from egoi_mcp.client import EGoiClient

__version__ = "0.1.0"
__all__ = ["EGoiClient", "EGoiError", "__version__"]


def __getattr__(name: str) -> object:
    """`EGoiClient` is imported when first asked for, so the `egoi-mcp` command, which imports this package first,
    decides itself when the client and its dependencies are loaded (see `egoi_mcp.cli.main`)."""
    if name == "EGoiClient":
        from egoi_mcp.client import EGoiClient

        return EGoiClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
