"""OAuth clients: dynamically registered ones in the store (their secrets sealed), and Client ID Metadata Documents.

A client whose `client_id` is an https URL (a Client ID Metadata Document, the MCP authorization spec's preferred
way) is read from that URL: a JSON document naming itself as `client_id`, a public client (no secret), with its
redirect URIs. Plain http is accepted only while this server itself runs on loopback (development).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import httpx
from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import ValidationError

from egoi_mcp.hosted.keys import KeyBox

if TYPE_CHECKING:
    from egoi_mcp.hosted.records import Records

__all__ = ["Clients"]

_MAX_DOCUMENT: Final = 16 * 1024
_LOOPBACK: Final = ("127.0.0.1", "localhost", "::1")
log = logging.getLogger(__name__)


class Clients:
    """Where `get_client` and `register_client` find and keep clients."""

    def __init__(self, records: Records, box: KeyBox, *, scopes: list[str], allow_http_documents: bool) -> None:
        self._records = records
        self._box = box
        self._scopes = scopes
        self._allow_http = allow_http_documents

    async def get(self, client_id: str) -> OAuthClientInformationFull | None:
        if client_id.startswith(("https://", "http://")):
            return await self._document(client_id)
        value = await self._records.get(f"oauth:client:{client_id}")
        if value is None:
            return None
        sealed = value.pop("client_secret_sealed", None)
        if sealed is not None:
            value["client_secret"] = self._box.open(sealed, owner=client_id)
            if value["client_secret"] is None:
                return None  # sealed with a key-encryption key since removed: the client registers again
        return OAuthClientInformationFull.model_validate(value)

    async def register(self, client: OAuthClientInformationFull) -> None:
        for uri in client.redirect_uris or []:
            if uri.fragment:
                raise RegistrationError("invalid_redirect_uri", f"redirect URI {uri} must not have a fragment")
        value = client.model_dump(mode="json", exclude_none=True)
        secret = value.pop("client_secret", None)
        if secret is not None:
            value["client_secret_sealed"] = self._box.seal(secret, owner=client.client_id or "")
        await self._records.put(f"oauth:client:{client.client_id}", value)

    async def _document(self, url: str) -> OAuthClientInformationFull | None:
        """The client a Client ID Metadata Document describes; None when it cannot be fetched or is not valid."""
        parts = urlsplit(url)
        if parts.scheme != "https" and not (self._allow_http and parts.hostname in _LOOPBACK):
            return None
        if not parts.path or parts.path == "/" or parts.fragment or parts.username:
            return None
        try:
            async with httpx.AsyncClient(timeout=5.0, follow_redirects=False) as http:
                response = await http.get(url, headers={"Accept": "application/json"})
            if response.status_code != 200 or len(response.content) > _MAX_DOCUMENT:
                return None
            document = response.json()
        except (httpx.HTTPError, ValueError):
            log.info("the client metadata document %s could not be read", url)
            return None
        if not isinstance(document, dict) or document.get("client_id") != url:
            return None
        if document.get("client_secret") or document.get("token_endpoint_auth_method", "none") != "none":
            return None  # a document is public: it can hold no secret
        try:
            return OAuthClientInformationFull.model_validate(
                {**document, "scope": " ".join(self._scopes), "token_endpoint_auth_method": "none"}
            )
        except ValidationError:
            return None
