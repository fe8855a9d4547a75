"""The built-in authorization server: the SDK's OAuth handlers over this provider, its state in the shared store.

`authorize` parks the request and sends the browser to the link page (`egoi_mcp.hosted.link`), which links the
user's E-goi key, asks for consent and issues the code. Codes, access and refresh tokens are single records
(`egoi_mcp.hosted.records`), bound to the client, the user (`subject`), the scopes and the resource (RFC 8707:
this server's `/mcp`, whatever the client asked). A code and a refresh token act once: refreshing rotates both
tokens; revoking either drops the pair.
"""

from __future__ import annotations

from typing import Any, Final

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyHttpUrl, ValidationError

from egoi_mcp.hosted.clients import Clients
from egoi_mcp.hosted.records import Records

__all__ = ["REQUEST_TTL", "HostedProvider"]

REQUEST_TTL: Final = 600.0  # seconds a user has to link their key and consent
CODE_TTL: Final = 60.0


class HostedProvider(OAuthAuthorizationServerProvider[AuthorizationCode, RefreshToken, AccessToken]):
    def __init__(
        self, records: Records, clients: Clients, *, resource: str, link_url: str, access_ttl: int, refresh_ttl: int
    ) -> None:
        self._records = records
        self._clients = clients
        self._resource = resource
        self._link_url = link_url
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return await self._clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        await self._clients.register(client_info)

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        if params.resource is not None and not _same_resource(params.resource, self._resource):
            raise AuthorizeError("invalid_target", f"this server is the resource {self._resource} only")
        scopes = params.scopes or (client.scope or "").split()
        if not scopes:
            raise AuthorizeError("invalid_scope", "no scope requested: ask for egoi:read, egoi:write or egoi:send")
        await self._records.prune()
        secret, key = self._records.mint("request", REQUEST_TTL)
        await self._records.put(key, {
            "client_id": client.client_id, "client_name": client.client_name or client.client_id,
            "redirect_uri": str(params.redirect_uri), "explicit": params.redirect_uri_provided_explicitly,
            "state": params.state, "scopes": scopes, "challenge": params.code_challenge,
        })  # fmt: skip
        return f"{self._link_url}?request={secret}"

    async def issue_code(self, request: dict[str, Any], subject: str) -> str:
        """The code for a consented request (called by the link page)."""
        code, key = self._records.mint("code", CODE_TTL)
        await self._records.put(key, {**request, "subject": subject})
        return code

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        value = await self._records.get(self._records.key_of("code", authorization_code))
        if value is None or value.get("client_id") != client.client_id:
            return None
        expires = float(authorization_code.partition(".")[0])
        return AuthorizationCode(
            code=authorization_code, scopes=value["scopes"], expires_at=expires, client_id=value["client_id"],
            code_challenge=value["challenge"], redirect_uri=value["redirect_uri"],
            redirect_uri_provided_explicitly=value["explicit"], resource=self._resource, subject=value["subject"],
        )  # fmt: skip

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        taken = await self._records.take(self._records.key_of("code", authorization_code.code))
        if taken is None:
            raise TokenError("invalid_grant", "authorization code already used")
        return await self._issue(str(client.client_id), taken["scopes"], taken["subject"])

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        value = await self._records.get(self._records.key_of("refresh", refresh_token))
        if value is None or value.get("client_id") != client.client_id:
            return None
        return RefreshToken(
            token=refresh_token, client_id=value["client_id"], scopes=value["scopes"],
            expires_at=int(refresh_token.partition(".")[0]), resource=self._resource, subject=value["subject"],
        )  # fmt: skip

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        taken = await self._records.take(self._records.key_of("refresh", refresh_token.token))
        if taken is None:
            raise TokenError("invalid_grant", "refresh token already used (each one works once)")
        await self._records.drop(taken.get("pair"))
        return await self._issue(str(client.client_id), scopes, taken["subject"])

    async def load_access_token(self, token: str) -> AccessToken | None:
        value = await self._records.get(self._records.key_of("access", token))
        if value is None:
            return None
        return AccessToken(
            token=token, client_id=value["client_id"], scopes=value["scopes"],
            expires_at=int(token.partition(".")[0]), resource=value.get("resource"), subject=value["subject"],
        )  # fmt: skip

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        kind = "refresh" if isinstance(token, RefreshToken) else "access"
        taken = await self._records.take(self._records.key_of(kind, token.token))
        if taken is not None:
            await self._records.drop(taken.get("pair"))

    async def _issue(self, client_id: str, scopes: list[str], subject: str) -> OAuthToken:
        access, access_key = self._records.mint("access", self._access_ttl)
        refresh, refresh_key = self._records.mint("refresh", self._refresh_ttl)
        grant = {"client_id": client_id, "scopes": scopes, "subject": subject, "resource": self._resource}
        await self._records.put(access_key, {**grant, "pair": refresh_key})
        await self._records.put(refresh_key, {**grant, "pair": access_key})
        return OAuthToken(
            access_token=access, token_type="Bearer", expires_in=self._access_ttl, scope=" ".join(scopes),
            refresh_token=refresh,
        )  # fmt: skip


def _same_resource(asked: str, ours: str) -> bool:
    try:
        return str(AnyHttpUrl(asked)).rstrip("/") == str(AnyHttpUrl(ours)).rstrip("/")
    except ValidationError:
        return False
