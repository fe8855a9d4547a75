"""Each user's linked E-goi account: the API key sealed at rest and bound to the user, and the runtime their
requests run on (their own E-goi client, rate budget, confirmation tokens, unattended limits, jobs, audit trail, and
the webhook receiver and events of their E-goi account).

A user is the random id the link page gave them (`egoi_mcp.hosted.link`); their tokens name it as `subject`.
The key is checked with one cheap E-goi call before it is kept, decrypted only to build that user's client, and
never logged or returned (it is registered with `egoi_mcp.redact`). With `--sandbox`, each distinct key is an
account of its own in the embedded fake E-goi (freshly seeded), so two keys are two accounts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, cast

import httpx

from egoi_mcp.audit import AccountAudit
from egoi_mcp.client import EGoiClient
from egoi_mcp.embedded import EmbeddedSandbox
from egoi_mcp.errors import AuthError, EGoiError, NetworkError
from egoi_mcp.hosted.keys import KeyBox, digest
from egoi_mcp.jobs.service import account_of
from egoi_mcp.ratelimit import SANDBOX_BUDGET, RateLimiter
from egoi_mcp.redact import register_secret
from egoi_mcp.seal import ConfirmTokens
from egoi_mcp.store.account import account_store
from egoi_mcp.unattended import UnattendedLimits
from egoi_mcp.webhooks.address import account_secret

if TYPE_CHECKING:
    from egoi_mcp.hosted.records import Records
    from egoi_mcp.runtime import Runtime
    from egoi_mcp.store import Store

__all__ = ["ATTEMPTS", "Accounts", "LinkRefused"]

ATTEMPTS: Final = 5  # keys one sign-in (or one ticket) may try: the link page is no oracle for guessing keys

_SANDBOX_URL: Final = "http://sandbox.egoi.invalid"
_KEY_SHAPE: Final = re.compile(r"[\x21-\x7e]{8,200}")  # what an Apikey header can carry


class LinkRefused(ValueError):
    """The key was not linked; the message says why and what to do (it never quotes the key)."""


class Accounts:
    def __init__(
        self,
        records: Records,
        box: KeyBox,
        base: Callable[[], Runtime],
        *,
        seal_key: bytes,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._records = records
        self._box = box
        self._base = base
        self._seal_key = seal_key
        self._transport = transport
        self._clients: dict[str, tuple[EGoiClient, Any]] = {}  # by key digest: the client, and its sandbox
        self._runtimes: dict[tuple[str, str], Runtime] = {}

    async def link(self, user: str, api_key: str) -> None:
        """Check `api_key` with E-goi and keep it, sealed, as `user`'s account (replacing any before)."""
        if not _KEY_SHAPE.fullmatch(api_key):
            raise LinkRefused("That is not an E-goi API key (8 to 200 visible characters, no spaces): copy it again.")
        found = self._clients.get(digest(api_key))
        client, sandbox = found or self._new_client(api_key)
        try:
            await client.lists.list(limit=1)
        except EGoiError as exc:
            if found is None:
                await client.aclose()  # and its transport: the account's sandbox, if it has one
            raise _refusal(exc) from None
        register_secret(api_key)  # a key E-goi accepted: scrubbed from every log and result from now on
        self._clients[digest(api_key)] = (client, sandbox)
        sealed = self._box.seal(api_key, owner=user)
        await self._records.put(f"oauth:user:{user}", {"key": sealed, "hint": api_key[-4:]})

    async def unlink(self, user: str) -> None:
        await self._records.drop(f"oauth:user:{user}")

    async def hint(self, user: str) -> str | None:
        """The last four characters of the linked key (what the link page shows), or None when none is linked."""
        value = await self._records.get(f"oauth:user:{user}")
        return str(value.get("hint", "")) if value else None

    async def runtime_for(self, user: str | None) -> Runtime | None:
        """The runtime of `user`'s linked account; None when they have none (removed, or sealed with a retired key)."""
        value = await self._records.get(f"oauth:user:{user}") if user else None
        api_key = self._box.open(str(value.get("key")), owner=user or "") if value else None
        if user is None or api_key is None:
            return None
        if self._box.needs_resealing(str(value and value.get("key"))):  # sealed with a key being retired
            await self._records.put(f"oauth:user:{user}", {**(value or {}), "key": self._box.seal(api_key, owner=user)})
        found = self._runtimes.get((user, digest(api_key)))
        if found is None:
            found = self._runtimes[(user, digest(api_key))] = self._runtime(user, api_key)
        return found

    async def aclose(self) -> None:
        clients, self._clients, self._runtimes = self._clients, {}, {}
        for client, _ in clients.values():
            await client.aclose()  # and its transport: the account's sandbox, if it has one

    def _runtime(self, user: str, api_key: str) -> Runtime:
        base = self._base()
        client, sandbox = self._client(api_key)
        own_key = hmac.new(self._seal_key, f"user:{user}".encode(), hashlib.sha256).digest()
        state = cast("Store", _Scoped(base.store, f"user:{user}:"))  # UnattendedLimits reads and changes state only
        account, days, clock = account_of(api_key), base.settings.audit_max_age_days, base.tokens.clock
        hook_secret = account_secret(self._seal_key, account)  # its receiver: every user of this key shares its events
        register_secret(hook_secret)  # it lets whoever holds it add events to the account: never in a log or result
        return dataclasses.replace(
            base,
            account=account,
            store=account_store(base.store, account),
            webhook_secret=hook_secret,
            client=client,
            embedded=sandbox,
            tokens=ConfirmTokens(own_key, clock=clock),
            unattended=UnattendedLimits(base.settings, state, clock=clock),
            audit=AccountAudit(base.store, account, user, max_age_days=days, clock=clock),
            jobs=base.jobs.of_account(account, client),  # its runner starts now: open jobs resume (see jobs.service)
        )

    def _client(self, api_key: str) -> tuple[EGoiClient, Any]:
        """The E-goi client of `api_key` (one per key, kept while the server runs)."""
        found = self._clients.get(digest(api_key))
        if found is None:
            register_secret(api_key)  # a linked key, read back from the store (another replica, a restart)
            found = self._clients[digest(api_key)] = self._new_client(api_key)
        return found

    def _new_client(self, api_key: str) -> tuple[EGoiClient, Any]:
        base = self._base()
        settings = base.settings
        sandbox = None
        if settings.sandbox:
            sandbox = EmbeddedSandbox(api_key)
            limiter = RateLimiter(5000, max_wait=5, state=base.store, api_key=api_key, advice=SANDBOX_BUDGET)
            client = EGoiClient(api_key, base_url=_SANDBOX_URL, default_list_id=settings.default_list_id or 1,
                                limiter=limiter, transport=sandbox, state=base.store)  # fmt: skip
        else:
            limiter = RateLimiter(settings.rate_limit_per_hour, state=base.store, api_key=api_key)
            client = EGoiClient(api_key, base_url=settings.base_url, default_list_id=settings.default_list_id,
                                limiter=limiter, transport=self._transport, state=base.store)  # fmt: skip
        return client, sandbox


def _refusal(exc: EGoiError) -> LinkRefused:
    if isinstance(exc, AuthError):
        return LinkRefused("E-goi refused this API key: copy it again from E-goi > your account menu > Integrations")
    if isinstance(exc, NetworkError):
        return LinkRefused("E-goi could not be reached to check the key: try again in a minute")
    return LinkRefused(f"E-goi could not check the key ({exc.code}): try again in a minute")


class _Scoped:
    """The store's shared state under one user's prefix."""

    def __init__(self, store: Store, prefix: str) -> None:
        self._store = store
        self._prefix = prefix

    async def update_state(self, key: str, change: Any) -> Any:
        return await self._store.update_state(self._prefix + key, change)
