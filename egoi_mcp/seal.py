"""Confirmation tokens: a preview's promise that exactly these arguments were shown, for 10 minutes.

A destructive tool's preview returns a `confirm_token` sealed (HMAC-SHA256) over the tool name, the exact
arguments and an expiry; acting needs that token back with the same arguments. The SDK's request-state sealing
(`RequestStateSecurity`) binds its state to the one request that asked for input, not to a later call, so it does
not fit a token the model carries from one call to the next; the same key seals both.

The key comes from `seal_key(settings)`: `EGOI_MCP_SEAL_KEY`, else a random key generated once and kept beside
the event store (mode 0600), so every process sharing the store accepts the others' tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from egoi_mcp.config import Settings

__all__ = ["TOKEN_TTL", "ConfirmTokens", "TokenRefused", "seal_key"]

TOKEN_TTL: Final = 600.0  # seconds a preview stays confirmable
_KEY_BYTES: Final = 32


class TokenRefused(ValueError):
    """The token does not confirm this call; the message says why and what to do."""


def seal_key(settings: Settings) -> bytes:
    """The key confirmation tokens (and 2026-era request state) are sealed with: the one place it comes from."""
    if settings.seal_key is not None:
        return settings.seal_key.get_secret_value().encode()
    path = Path(settings.db)
    path = path.with_name(path.name + ".seal-key")
    try:
        text = path.read_text().strip()
        if len(text) >= 2 * _KEY_BYTES:
            return text.encode()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(_KEY_BYTES)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    try:
        os.link(temporary, path)  # first writer wins; a racing process reads the winner's key
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_text().strip().encode()


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
