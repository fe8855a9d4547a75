"""The hosted connector (`--transport http --auth oauth`): `/mcp` as an OAuth 2.1 protected resource, a built-in
authorization server whose users each link their own E-goi account, and scopes that filter and guard the tools.

- `provider`: the SDK's authorize/token/register/revoke handlers over our provider; state in the store (`records`).
- `clients`: dynamically registered clients, and Client ID Metadata Documents.
- `link`, `page`: the page where a user links their E-goi key and consents.
- `accounts`: the sealed keys (`keys`), and each user's own runtime for their requests.
- `scopes`: egoi:read, egoi:write, egoi:send; `shared`: what is still one per server, left out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import httpx
from mcp.server.auth.handlers.metadata import MetadataHandler, ProtectedResourceMetadataHandler
from mcp.server.auth.routes import build_metadata, build_resource_metadata_url, cors_middleware
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import ProtectedResourceMetadata
from pydantic import AnyHttpUrl
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from egoi_mcp.hosted.accounts import Accounts
from egoi_mcp.hosted.clients import Clients
from egoi_mcp.hosted.idp import JwtVerifier
from egoi_mcp.hosted.keys import KeyBox
from egoi_mcp.hosted.link import LINK_PATH, link_routes
from egoi_mcp.hosted.provider import HostedProvider
from egoi_mcp.hosted.records import Records
from egoi_mcp.hosted.scopes import SCOPES, ScopeGuard
from egoi_mcp.hosted.ticket import LinkOnFirstUse, ticket_routes
from egoi_mcp.redact import register_secret
from egoi_mcp.runtime import ACCOUNT
from egoi_mcp.tools import selected_tools

if TYPE_CHECKING:
    from egoi_mcp.server import EgoiServer

__all__ = ["Hosted"]

_LOOPBACK: Final = ("127.0.0.1", "localhost", "::1")


class Hosted:
    """Everything `--auth oauth` adds to the server, built from the settings (no I/O until requests come)."""

    def __init__(
        self,
        server: EgoiServer,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        settings, current, public_url = server.settings, server.current, server.public_url
        assert settings.secret_key is not None and public_url is not None  # Settings refuses --auth oauth without
        secrets = [s.strip() for s in settings.secret_key.get_secret_value().split(",")]
        for secret in secrets:
            register_secret(secret, encoded=False)
        self.base_url = public_url.rstrip("/")
        self.resource = f"{self.base_url}/mcp"
        self.box = KeyBox(secrets)
        self.records = Records(lambda: current().store, clock=clock)
        loopback = urlsplit(self.base_url).hostname in _LOOPBACK
        clients = Clients(self.records, self.box, scopes=SCOPES, allow_http_documents=loopback)
        self.provider = HostedProvider(
            self.records, clients, resource=self.resource, link_url=self.base_url + LINK_PATH,
            access_ttl=settings.oauth_access_ttl, refresh_ttl=settings.oauth_refresh_ttl,
        )  # fmt: skip
        self.accounts = Accounts(self.records, self.box, current, seal_key=server.seal_key, transport=transport)
        specs = selected_tools(read_only=settings.read_only, toolsets=settings.toolsets)
        self.middleware: list[Any] = [ScopeGuard(specs)]
        self.issuer = settings.oauth_issuer  # an external identity provider: resource server only
        if self.issuer:
            self._verifier = JwtVerifier(self.issuer, self.resource, jwks_url=settings.oauth_jwks_url)
            self.middleware.append(LinkOnFirstUse(self.records, self.base_url))

    def server_options(self) -> dict[str, Any]:
        """`MCPServer`'s arguments: our provider, and the settings of a resource server that is its own issuer; or,
        with an external identity provider, the verifier of its JWTs."""
        auth = AuthSettings(
            issuer_url=AnyHttpUrl(self.issuer or self.base_url),
            resource_server_url=AnyHttpUrl(self.resource),
            validate_token_resource=True,
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=SCOPES, default_scopes=SCOPES
            ),
            revocation_options=RevocationOptions(enabled=True),
        )
        if self.issuer:
            return {"token_verifier": self._verifier, "auth": auth}
        return {"auth_server_provider": self.provider, "auth": auth}

    def routes(self) -> list[Route]:
        """The link page, and the two metadata documents as the SDK serves them but saying what it leaves out:
        the scopes this resource knows, and that Client ID Metadata Documents are accepted."""
        options = self.server_options()["auth"]
        metadata = build_metadata(
            options.issuer_url, None, options.client_registration_options, options.revocation_options
        )
        metadata.client_id_metadata_document_supported = True
        metadata.authorization_response_iss_parameter_supported = True
        resource = ProtectedResourceMetadata(
            resource=AnyHttpUrl(self.resource), authorization_servers=[options.issuer_url],
            scopes_supported=SCOPES, resource_name="E-goi",
        )  # fmt: skip
        prm_path = urlsplit(str(build_resource_metadata_url(AnyHttpUrl(self.resource)))).path
        methods = ["GET", "OPTIONS"]
        prm = Route(
            prm_path, cors_middleware(ProtectedResourceMetadataHandler(resource).handle, methods), methods=methods
        )
        if self.issuer:
            return [
                prm,
                *ticket_routes(self.records, self.accounts, self.box, secure=self.base_url.startswith("https:")),
            ]
        return [
            Route("/.well-known/oauth-authorization-server", cors_middleware(MetadataHandler(metadata).handle, methods),
                  methods=methods),
            prm,
            *link_routes(self.records, self.accounts, self.provider, self.box, issuer=str(options.issuer_url)),
        ]  # fmt: skip

    def per_account(self, app: ASGIApp) -> ASGIApp:
        """Wraps the `/mcp` app (inside the SDK's bearer auth): each request runs on its user's own account."""
        metadata_url = str(build_resource_metadata_url(AnyHttpUrl(self.resource)))
        return _PerAccount(app, self.accounts, metadata_url, link_on_first_use=bool(self.issuer))

    async def aclose(self) -> None:
        await self.accounts.aclose()


class _PerAccount:
    def __init__(self, app: ASGIApp, accounts: Accounts, metadata_url: str, *, link_on_first_use: bool) -> None:
        self._link_on_first_use = link_on_first_use  # else a sign-in without a linked account is refused
        self._app = app
        self._accounts = accounts
        self._metadata_url = metadata_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = getattr(scope.get("user"), "access_token", None)
        if scope["type"] != "http" or token is None:
            await self._app(scope, receive, send)
            return
        account = await self._accounts.runtime_for(token.subject)
        if account is None and not self._link_on_first_use:
            text = "no E-goi account is linked to this sign-in any more: connect again and link your API key"
            header = (
                f'Bearer error="invalid_token", error_description="{text}", resource_metadata="{self._metadata_url}"'
            )
            response = JSONResponse({"error": "invalid_token", "error_description": text}, status_code=401,
                                    headers={"WWW-Authenticate": header})  # fmt: skip
            await response(scope, receive, send)
            return
        reset = ACCOUNT.set(account)
        try:
            await self._app(scope, receive, send)
        finally:
            ACCOUNT.reset(reset)
