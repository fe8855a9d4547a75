"""The authorization server's state in the shared store (SQLite or PostgreSQL), through its atomic state API.

Short-lived secrets (pending authorization requests, codes, access and refresh tokens) are minted as
`<expiry>.<256 random bits>` and kept under `oauth:<kind>:<expiry, 12 digits>:<SHA-256 of the secret>`: the store
never holds a secret, a lookup needs no index, and expired records go by one range (`drop_states`). `take`
empties a record in one atomic change, so of any number of uses of a code or refresh token exactly one wins.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from egoi_mcp.hosted.keys import digest

if TYPE_CHECKING:
    from egoi_mcp.store import Store

__all__ = ["Records"]

_SECRET: Final = re.compile(r"([0-9]{10,12})\.([A-Za-z0-9_-]{43})", re.ASCII)
KINDS: Final = ("request", "code", "access", "refresh", "ticket")


class Records:
    """Minting, reading and consuming the hosted mode's records."""

    def __init__(self, store: Callable[[], Store], *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    def mint(self, kind: str, ttl: float) -> tuple[str, str]:
        """A fresh secret of `kind` living `ttl` seconds, and the key its record goes under."""
        expires = int(self._clock() + ttl)
        secret = f"{expires}.{secrets.token_urlsafe(32)}"
        return secret, _key(kind, expires, secret)

    def key_of(self, kind: str, secret: str) -> str | None:
        """The record key of `secret`, or None when it is no secret of ours or has expired."""
        found = _SECRET.fullmatch(secret) if isinstance(secret, str) else None
        if found is None or int(found[1]) < self._clock():
            return None
        return _key(kind, int(found[1]), secret)

    async def put(self, key: str, value: dict[str, Any]) -> None:
        await self._store().update_state(key, lambda _: (value, None))

    async def get(self, key: str | None) -> dict[str, Any] | None:
        if key is None:
            return None
        value = await self._store().read_state(key)
        return value if isinstance(value, dict) and value else None  # {}: taken or dropped

    async def take(self, key: str | None) -> dict[str, Any] | None:
        """The record, emptied in the same atomic change: only the first of concurrent takers gets it."""
        if key is None:
            return None

        def empty(value: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
            return {}, value or None

        return await self._store().update_state(key, empty)

    async def attempt(self, key: str | None, *, most: int) -> bool:
        """Count one more attempt on the record (a key pasted on its page): False past `most`, the record dropped."""
        if key is None:
            return False

        def count(value: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
            tried = int((value or {}).get("attempts", 0)) + 1
            return ({**value, "attempts": tried} if value and tried <= most else {}), bool(value) and tried <= most

        return await self._store().update_state(key, count)

    async def drop(self, key: str | None) -> None:
        if key is not None and await self._store().read_state(key) is not None:
            await self._store().update_state(key, lambda _: ({}, None))

    async def prune(self) -> None:
        """Drop every record whose secret has expired."""
        now = f"{int(self._clock()):012d}"
        for kind in KINDS:
            await self._store().drop_states(f"oauth:{kind}:", below=now)


def _key(kind: str, expires: int, secret: str) -> str:
    return f"oauth:{kind}:{expires:012d}:{digest(secret)}"
