"""Resource updates of one account: how the notifier names them, and the subscription bus each stream sees.

A hosted server holds the webhook events of every linked E-goi account, under the same URIs
(`egoi://events/recent` is each user's own recent events). So an update is published under its account
(`scoped_uri`) and each `subscriptions/listen` stream hears only its own account's (`AccountBus`), the URI as the
client knows it. A single-account server's account is '': its URIs are published as they are, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from mcp.server.subscriptions import ResourceUpdated, ServerEvent, SubscriptionBus

from egoi_mcp.runtime import ACCOUNT

__all__ = ["EVERY_ACCOUNT", "AccountBus", "current_account", "scoped_uri", "split_uri"]

_MARK: Final = " "  # never in a URI: what follows it is the account
_EVENT_URIS: Final = "egoi://event"  # egoi://events/... and egoi://event/...: an account's own
EVERY_ACCOUNT: Final = "*"  # `scoped_uri(uri, EVERY_ACCOUNT)`: each account's `uri` (a hint to re-read, no event's)


def scoped_uri(uri: str, account: str) -> str:
    """`uri` of `account` (itself for the one account '')."""
    return f"{uri}{_MARK}{account}" if account else uri


def split_uri(scoped: str) -> tuple[str, str]:
    """The URI and the account of a `scoped_uri`."""
    uri, _, account = scoped.partition(_MARK)
    return uri, account


def current_account() -> str:
    """The account of the request being served: the signed-in user's when hosted, else ''."""
    runtime = ACCOUNT.get()
    return runtime.account if runtime is not None else ""


class AccountBus:
    """The server's subscription bus as the SDK's listen streams see it: a stream hears the updates of its own
    account's resources only (the account of the request that opened it), under their plain URIs. Updates of
    other resources pass as they are."""

    def __init__(self, bus: SubscriptionBus) -> None:
        self.bus = bus

    async def publish(self, event: ServerEvent) -> None:
        await self.bus.publish(event)

    def subscribe(self, listener: Callable[[ServerEvent], None]) -> Callable[[], None]:
        account = current_account()

        def deliver(event: ServerEvent) -> None:
            if isinstance(event, ResourceUpdated):
                uri, owner = split_uri(event.uri)
                if owner not in (account, EVERY_ACCOUNT) and (owner or uri.startswith(_EVENT_URIS)):
                    return  # another account's
                if uri != event.uri:
                    event = ResourceUpdated(uri=uri)
            listener(event)

        return self.bus.subscribe(deliver)
