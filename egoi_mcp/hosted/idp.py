"""An existing identity provider (`EGOI_MCP_OAUTH_ISSUER`): egoi-mcp is then the resource server only.

Its access tokens are JWTs checked with PyJWT against the provider's JWKS: the signature, the issuer, the audience
(this server's `/mcp`, RFC 8707), the expiry and a subject. The JWKS address is `EGOI_MCP_OAUTH_JWKS_URL`, else
the `jwks_uri` of the issuer's discovery document, read on first use (never in a constructor). The user is the
token's `sub`; their scopes come from `scope` (space-separated) or `scp` (a list).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Final

import anyio.to_thread
import httpx
import jwt
from mcp.server.auth.provider import AccessToken, TokenVerifier

__all__ = ["JwtVerifier"]

_ALGORITHMS: Final = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
_DISCOVERY: Final = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
_LEEWAY: Final = 30  # seconds of clock skew tolerated on exp/nbf/iat
log = logging.getLogger(__name__)


class JwtVerifier(TokenVerifier):
    def __init__(self, issuer: str, audience: str, *, jwks_url: str | None = None) -> None:
        self._issuer = issuer
        self._audience = audience
        self._jwks_url = jwks_url
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            return await anyio.to_thread.run_sync(self._verify, token)
        except (jwt.PyJWTError, OSError, ValueError, KeyError) as exc:
            log.info("a bearer token was refused: %s", type(exc).__name__)
            return None

    def _verify(self, token: str) -> AccessToken | None:
        key = self._keys().get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token, key.key, algorithms=_ALGORITHMS, audience=self._audience, issuer=self._issuer, leeway=_LEEWAY,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )  # fmt: skip
        scope = claims.get("scope")
        scopes = scope.split() if isinstance(scope, str) else [str(s) for s in claims.get("scp") or []]
        return AccessToken(
            token=token, client_id=str(claims.get("azp") or claims.get("client_id") or "idp"), scopes=scopes,
            expires_at=int(claims["exp"]), resource=self._audience, subject=str(claims["sub"]),
            claims={"iss": claims["iss"]},
        )  # fmt: skip

    def _keys(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._jwks is None:
                self._jwks = jwt.PyJWKClient(self._jwks_url or self._discover(), cache_keys=True, timeout=10)
            return self._jwks

    def _discover(self) -> str:
        for path in _DISCOVERY:
            try:
                found = httpx.get(self._issuer.rstrip("/") + path, timeout=10).json().get("jwks_uri")
            except (httpx.HTTPError, ValueError, AttributeError):
                continue
            if isinstance(found, str) and found.startswith(("https://", "http://")):
                return found
        raise ValueError(f"the identity provider {self._issuer} publishes no jwks_uri: set EGOI_MCP_OAUTH_JWKS_URL")
