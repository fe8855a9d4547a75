"""Who may reach the HTTP server: loopback by default, a real bearer token beyond it, and checked Host/Origin."""

from __future__ import annotations

import hmac
from typing import Any, Final
from urllib.parse import urlsplit

from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.transport_security import TransportSecuritySettings

from egoi_mcp.config import MIN_TOKEN_LENGTH, Settings

__all__ = ["auth", "check_exposure", "transport_security"]

_LOOPBACK: Final = ("127.0.0.1", "localhost", "::1", "[::1]")


class _StaticBearer(TokenVerifier):
    """One shared bearer token, compared in constant time."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    async def verify_token(self, token: str) -> AccessToken | None:
        if hmac.compare_digest(token.encode(), self._token):
            return AccessToken(token="bearer", client_id="egoi-mcp-client", scopes=[])
        return None


def auth(settings: Settings) -> dict[str, Any]:
    """`MCPServer`'s arguments for bearer-token auth, when a token is configured."""
    if not settings.auth_token:
        return {}
    from mcp.server.auth.settings import AuthSettings
    from pydantic import AnyHttpUrl

    return {
        "token_verifier": _StaticBearer(settings.auth_token.get_secret_value()),
        "auth": AuthSettings(issuer_url=AnyHttpUrl("https://auth.invalid"), resource_server_url=None),
    }


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Host and Origin checks: loopback, and the names given with --allowed-host."""
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    public = urlsplit(settings.public_url or "").hostname if settings.auth == "oauth" else None
    for host in [*settings.allowed_hosts, *([public] if public else [])]:  # hosted: its public name too
        hosts += [host, f"{host}:*"]
        origins += [f"https://{host}", f"http://{host}", f"https://{host}:*", f"http://{host}:*"]
    return TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=origins)


def check_exposure(settings: Settings) -> None:
    """Refuse to serve beyond loopback without a bearer token or OAuth (Settings has refused a weak token already)."""
    if settings.host in _LOOPBACK or settings.auth_token or settings.auth == "oauth":
        return
    raise SystemExit(
        f"egoi-mcp: refusing to listen on {settings.host} without EGOI_MCP_AUTH_TOKEN: anyone who can reach it "
        f"could run your E-goi account. Set a random token of {MIN_TOKEN_LENGTH}+ characters (`egoi-mcp token` "
        "prints one), or bind to 127.0.0.1."
    )
