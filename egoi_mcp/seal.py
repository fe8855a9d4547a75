"""Confirmation tokens: a preview's promise that exactly these arguments were shown, for 10 minutes.

A destructive tool's preview returns a `confirm_token` sealed (HMAC-SHA256) over the tool name, the exact
arguments and an expiry; acting needs that token back with the same arguments. The SDK's request-state sealing
(`RequestStateSecurity`) binds its state to the one request that asked for input, not to a later call, so it does
not fit a token the model carries from one call to the next; the same key seals both.

The key is `EGOI_MCP_SEAL_KEY`, else a random key created once in the store (`Store.shared_secret("seal")`), so
every process and replica sharing the store accepts the others' tokens (server.py reads it at build).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    pass

__all__ = ["TOKEN_TTL", "ConfirmTokens", "TokenRefused"]

TOKEN_TTL: Final = 600.0  # seconds a preview stays confirmable
_KEY_BYTES: Final = 32


class TokenRefused(ValueError):
    """The token does not confirm this call; the message says why and what to do."""


class ConfirmTokens:
    """Issues and checks confirmation tokens with one key and one clock."""

    def __init__(self, key: bytes, *, clock: Callable[[], float] = time.time, ttl: float = TOKEN_TTL) -> None:
        if len(key) < 16:
            raise ValueError("the seal key must be at least 16 bytes")
        self._key = key
        self._clock = clock
        self._ttl = ttl

    def issue(self, tool: str, arguments: Mapping[str, Any]) -> str:
        expires = int(self._clock() + self._ttl)
        return f"{expires}.{self._mac(tool, arguments, expires)}"

    def check(self, tool: str, arguments: Mapping[str, Any], token: str | None) -> None:
        """Return if `token` confirms `tool` with exactly `arguments`; else raise `TokenRefused` saying why."""
        again = "call the tool without confirm to get a fresh preview and its call_again_with"
        if not token:
            raise TokenRefused(f"confirm=true needs the confirm_token of a preview: {again}")
        expires_text, _, mac = token.partition(".")
        if not expires_text.isdigit() or not mac:
            raise TokenRefused(f"confirm_token is not one this server issued: {again}")
        expires = int(expires_text)
        if not hmac.compare_digest(mac, self._mac(tool, arguments, expires)):
            raise TokenRefused(
                "confirm_token was issued for other arguments (or another tool, or forged): nothing was changed; "
                f"{again}"
            )
        if self._clock() > expires:
            raise TokenRefused(f"confirm_token expired (previews hold {int(self._ttl // 60)} minutes): {again}")

    def _mac(self, tool: str, arguments: Mapping[str, Any], expires: int) -> str:
        message = json.dumps([tool, expires, canonical(arguments)], sort_keys=True, separators=(",", ":"))
        digest = hmac.new(self._key, message.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def canonical(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments a token covers: all but the confirmation's own, nulls and omissions alike."""
    return {k: v for k, v in arguments.items() if v is not None and k not in ("confirm", "confirm_token")}
