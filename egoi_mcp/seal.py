"""Confirmation tokens: a preview's promise that exactly these arguments were shown, for 10 minutes.

A destructive tool's preview returns a `confirm_token` sealed (HMAC-SHA256) over the tool name, the exact
arguments, an expiry and a random nonce (so that two previews of the same call are two tokens); acting needs that
token back with the same arguments. That a token acts only once is the ledger's job (`egoi_mcp.ledger`): this
module only says whether a token is one of ours, for this call, and still fresh. The SDK's request-state sealing
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
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["TOKEN_TTL", "ConfirmTokens", "SealedToken", "TokenRefused", "canonical"]

TOKEN_TTL: Final = 600.0  # seconds a preview stays confirmable
_NONCE_BYTES: Final = 8
# The exact form issued: up to twelve ASCII digits (the expiry), the nonce and the MAC in unpadded base64url. Anything
# else (other digits, signs, spaces, 5,000 digits) is refused before a number is made of it.
_TOKEN: Final = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{11})\.([A-Za-z0-9_-]{43})", re.ASCII)
_AGAIN: Final = "call the tool without confirm to get a fresh preview and its call_again_with"


class TokenRefused(ValueError):
    """The token does not confirm this call; the message says why and what to do."""


@dataclass(frozen=True)
class SealedToken:
    """A token that confirms this call: its expiry (epoch seconds) and a key naming it in the ledger."""

    expires: int
    key: str  # "<expiry, 12 digits>:<fingerprint>": sorts by expiry, so expired ones are pruned by one range

    @property
    def fingerprint(self) -> str:
        """What the store and the logs may keep of a token: a hash of its MAC, never the MAC."""
        return self.key.partition(":")[2]


class ConfirmTokens:
    """Issues and checks confirmation tokens with one key and one clock."""

    def __init__(self, key: bytes, *, clock: Callable[[], float] = time.time, ttl: float = TOKEN_TTL) -> None:
        if len(key) < 16:
            raise ValueError("the seal key must be at least 16 bytes")
        self._key = key
        self._clock = clock
        self._ttl = ttl

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    def issue(self, tool: str, arguments: Mapping[str, Any]) -> tuple[str, SealedToken]:
        """A fresh token for `tool` with exactly `arguments`, and how the ledger names it."""
        expires = int(self._clock() + self._ttl)
        nonce = _b64(secrets.token_bytes(_NONCE_BYTES))
        mac = self._mac(tool, arguments, expires, nonce)
        return f"{expires}.{nonce}.{mac}", _sealed(expires, mac)

    def check(self, tool: str, arguments: Mapping[str, Any], token: object) -> SealedToken:
        """The token if it confirms `tool` with exactly `arguments` and is fresh; else `TokenRefused` saying why."""
        if not token:
            raise TokenRefused(f"confirm=true needs the confirm_token of a preview: {_AGAIN}")
        found = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if found is None:
            raise TokenRefused(f"confirm_token is not one this server issued: {_AGAIN}")
        expires_text, nonce, mac = found.groups()
        expires = int(expires_text)
        if not hmac.compare_digest(mac, self._mac(tool, arguments, expires, nonce)):
            raise TokenRefused(
                "confirm_token was issued for other arguments (or another tool, or forged): nothing was changed; "
                + _AGAIN
            )
        if self._clock() > expires:
            raise TokenRefused(f"confirm_token expired (previews hold {int(self._ttl // 60)} minutes): {_AGAIN}")
        return _sealed(expires, mac)

    def _mac(self, tool: str, arguments: Mapping[str, Any], expires: int, nonce: str) -> str:
        message = json.dumps([tool, expires, nonce, canonical(arguments)], sort_keys=True, separators=(",", ":"))
        return _b64(hmac.new(self._key, message.encode(), hashlib.sha256).digest())


def canonical(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments a token covers: all but the confirmation's own, nulls and omissions alike."""
    return {k: v for k, v in arguments.items() if v is not None and k not in ("confirm", "confirm_token")}


def _sealed(expires: int, mac: str) -> SealedToken:
    return SealedToken(expires, f"{expires:012d}:{hashlib.sha256(mac.encode()).hexdigest()[:32]}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
