"""Tell subscribed MCP clients that event resources changed, in both protocol eras and across processes.

The two eras reach clients differently, so every change goes out twice:

- 2026-07-28 clients open a `subscriptions/listen` stream. We publish `ResourceUpdated(uri)` on the server's
  subscription bus, and the SDK's listen handler forwards it to every stream that asked for that URI.
- 2025 clients send `resources/subscribe`. The SDK 2.3 has no server-side registry for those, so we keep one:
  URI -> the subscribing connections, each with a session whose standalone channel (the SSE GET stream, or
  stdio) reaches the client outside any request.

Each event is its account's: its URIs are published and matched under that account (`resources.scoped`), so a
subscriber hears only of their own account's events (a single-account server's account, '', changes nothing).

Events written by another process sharing the store reach us through `watch`: on SQLite it polls the store's
highest id (each event id is notified once per process, whichever of the receiver and the watcher sees it
first); on PostgreSQL it runs the store's LISTEN/NOTIFY bus, which hands other replicas' URIs to the 2026-era
streams itself and to `notify_uris` for the 2025-era sessions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Final

import anyio
from mcp.server.session import ServerSession
from mcp.server.subscriptions import ResourceUpdated, SubscriptionBus

from egoi_mcp import _sdk, telemetry
from egoi_mcp.models import Event
from egoi_mcp.resources.scoped import EVERY_ACCOUNT, scoped_uri, split_uri
from egoi_mcp.store.base import NetworkedBus
from egoi_mcp.webhooks.triggers import OTHER, TRIGGERS

if TYPE_CHECKING:
    from egoi_mcp.store import Store

__all__ = ["EVENT_URI", "RECENT_URI", "TRIGGER_URI", "EventNotifier", "affected_uris"]

logger = logging.getLogger("egoi_mcp.resources")

RECENT_URI: Final = "egoi://events/recent"
TRIGGER_URI: Final = "egoi://events/{trigger}"
EVENT_URI: Final = "egoi://event/{event_id}"

SEND_TIMEOUT: Final = 5.0  # a 2025 session that cannot take a notification in this long is dropped
MAX_SUBSCRIPTIONS_PER_CONNECTION: Final = 1000
_REMEMBERED_IDS: Final = 10_000  # ids already notified, kept so that a late second sighting is recognised


def affected_uris(events: Sequence[Event]) -> list[str]:
    """The resources whose content the events change, each of its account (`scoped_uri`): the recent list, each
    trigger's list, each event."""
    lists = dict.fromkeys(scoped_uri(RECENT_URI, event.account) for event in events)
    lists.update(dict.fromkeys(scoped_uri(TRIGGER_URI.format(trigger=e.trigger), e.account) for e in events))
    return [*lists, *(scoped_uri(EVENT_URI.format(event_id=event.id), event.account) for event in events)]


class EventNotifier:
    """Sends `notifications/resources/updated` for stored events to every subscribed client."""

    def __init__(self, store: Store, bus: SubscriptionBus) -> None:
        self.store = store
        self.bus = bus
        self._log_levels: dict[Hashable, str] = {}  # connection -> the level it set with logging/setLevel
        self._sessions: dict[Hashable, ServerSession] = {}  # connection -> a session of it
        self._subscriptions: dict[Hashable, set[str]] = {}  # connection -> URIs, each of its account (scoped_uri)
        self._notified: set[int] = set()
        self._unpublished: list[Event] = []  # claimed, waiting for the call now publishing
        self._publishing = False

    # --- 2025-era subscriptions ----------------------------------------------------------------------------

    def subscribe(self, uri: str, session: ServerSession, account: str = "") -> None:
        """Remember that `session`'s connection wants updates of `account`'s `uri` (from `resources/subscribe`)."""
        if split_uri(uri)[1]:
            raise ValueError(f"{uri[:200]!r} is not a resource URI (it has a space)")
        uri = scoped_uri(uri, account)
        key = _connection_of(session)
        uris = self._subscriptions.get(key)
        if uris is None:
            uris = self._subscriptions[key] = set()
            _on_connection_close(session, lambda: self.forget(key))
        if uri not in uris and len(uris) >= MAX_SUBSCRIPTIONS_PER_CONNECTION:
            raise ValueError(f"at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection")
        uris.add(uri)
        self._sessions[key] = session

    def unsubscribe(self, uri: str, session: ServerSession, account: str = "") -> None:
        """Forget one subscription (from `resources/unsubscribe`); unknown ones are ignored."""
        key = _connection_of(session)
        uris = self._subscriptions.get(key)
        if uris is not None:
            uris.discard(scoped_uri(uri, account))
            if not uris:
                self.forget(key)

    def forget(self, key: Hashable) -> None:
        """Drop every subscription of one connection: it closed, or it stopped taking notifications."""
        self._subscriptions.pop(key, None)
        self._sessions.pop(key, None)
        self._log_levels.pop(key, None)

    def set_log_level(self, session: ServerSession, level: str) -> None:
        """The level of log notifications `session`'s connection asked for: that connection's alone (the
        process's own log, on stderr, is the operator's: --log-level)."""
        key = _connection_of(session)
        if key not in self._log_levels and key not in self._subscriptions:
            _on_connection_close(session, lambda: self.forget(key))
        self._log_levels[key] = level

    def log_level(self, session: ServerSession) -> str | None:
        """The level `session`'s connection set, if it did."""
        return self._log_levels.get(_connection_of(session))

    def log_levels(self) -> list[str]:
        """The levels the open connections set, one per connection that did."""
        return list(self._log_levels.values())

    def subscribers(self, uri: str) -> int:
        """How many 2025-era connections are subscribed to `uri`."""
        return sum(uri in uris for uris in self._subscriptions.values())

    # --- notifying -----------------------------------------------------------------------------------------

    async def notify(self, events: Sequence[Event]) -> None:
        """Tell every subscriber of an affected resource, in both eras. Never raises for a client's failure."""
        fresh = self._claim(events)
        if not fresh:
            return
        await self._publish(fresh)
        if self._subscriptions:  # not even the URIs worked out when no 2025-era session subscribed (`notify_uris`)
            await self.notify_uris(affected_uris(fresh))
        telemetry.notified(fresh)

    async def announce(self, uri: str, account: str = "") -> None:
        """Tell the subscribers of `account`'s `uri` that it changed (a job's progress), in both eras."""
        scoped = scoped_uri(uri, account)
        await self.bus.publish(ResourceUpdated(uri=scoped))
        await self.notify_uris([scoped])

    async def notify_uris(self, uris: Sequence[str]) -> None:
        """Tell the 2025-era sessions subscribed to any of `uris`, each of its account (2026-era streams hear it
        from the bus)."""
        if not self._subscriptions:  # no 2025-era subscriber: the usual case during a flood
            return
        every = {plain for plain, owner in map(split_uri, uris) if owner == EVERY_ACCOUNT}
        if every:  # each account's form of those that every account is to hear
            known = set().union(*self._subscriptions.values())
            uris = [*uris, *(uri for uri in known if split_uri(uri)[0] in every)]
        targets = [(key, [uri for uri in uris if uri in subscribed]) for key, subscribed in self._subscriptions.items()]
        targets = [(key, wanted) for key, wanted in targets if wanted]
        if not targets:  # no task group to build and tear down for nobody
            return
        async with anyio.create_task_group() as tasks:
            for key, wanted in targets:
                tasks.start_soon(self._send, key, self._sessions[key], wanted)

    async def watch(self, interval: float = 0.5) -> None:
        """Notify for events that other processes sharing the store receive. Runs until cancelled.

        On PostgreSQL this runs the LISTEN/NOTIFY bus (after a lost connection, subscribers of the lists are
        told to re-read them); on SQLite it polls, as follows.

        Starts from the store's current end: events from before the server started are history, not news.
        During a flood nearly every new id is one this process stored and notified itself, and every read here
        holds the store's worker, which the receiver's commits wait for: so a round reads nothing more when every
        id up to the highest is one notified already, else the ids, and whole events only for those not notified
        yet. Ids from different processes interleave, so each id is checked, not just the highest one.
        """
        if isinstance(self.bus, NetworkedBus):
            lists = [RECENT_URI, *(TRIGGER_URI.format(trigger=t) for t in (*TRIGGERS, OTHER))]
            reread = [scoped_uri(uri, EVERY_ACCOUNT) for uri in lists]  # what each account may have missed
            await self.bus.run(on_remote=self.notify_uris, reread=reread)
            return
        last: int | None = None
        while True:
            try:
                newest = await self.store.last_id()
                if last is not None and newest > last and not self._notified.issuperset(range(last + 1, newest + 1)):
                    # Up to the end seen this round: during a flood, chasing the ids still arriving would keep
                    # the store's worker from the receiver's commits. Those are for the next round.
                    while last < newest and (ids := await self.store.ids_since(last)):
                        last = ids[-1]
                        unseen = [event_id for event_id in ids if event_id not in self._notified]
                        if unseen:
                            await self.notify(await self.store.get_many(unseen))
                last = max(last or 0, newest)
            except Exception:  # a locked or briefly unreadable store: try again next round
                if self.store.closed:
                    return
                logger.exception("watching the event store failed; retrying in %s s", interval)
            await anyio.sleep(interval)

    async def _publish(self, events: list[Event]) -> None:
        """Publish the events' URIs on the bus, together with those of concurrent calls.

        Every publish ends with a checkpoint, a trip round the event loop. During a flood, the receiver notifies
        each delivery on its own, many at once: while one call publishes, the others queue their events and
        return, and it publishes those too, once more each for the recent list and each trigger's list rather
        than once per event. (Cancelled midway, it leaves the rest for the next call.)
        """
        self._unpublished += events
        if self._publishing:
            return
        self._publishing = True
        try:
            while self._unpublished:
                batch, self._unpublished = self._unpublished, []
                for uri in affected_uris(batch):
                    try:
                        await self.bus.publish(ResourceUpdated(uri=uri))
                    except Exception:  # a custom (networked) bus failing must not stop the 2025-era sends
                        logger.exception("publishing %s on the subscription bus failed", uri)
        finally:
            self._publishing = False

    def _claim(self, events: Sequence[Event]) -> list[Event]:
        """The events not notified yet in this process, now marked as notified (no await: atomic on the loop)."""
        fresh = [event for event in events if int(event.id) not in self._notified]
        self._notified.update(int(event.id) for event in fresh)
        if len(self._notified) > 2 * _REMEMBERED_IDS:
            self._notified = set(sorted(self._notified)[-_REMEMBERED_IDS:])
        return fresh

    async def _send(self, key: Hashable, session: ServerSession, uris: list[str]) -> None:
        try:
            with anyio.fail_after(SEND_TIMEOUT):
                for uri in uris:
                    await session.send_resource_updated(split_uri(uri)[0])
        except Exception as exc:
            logger.warning("dropping the subscriptions of a session that could not be notified: %r", exc)
            self.forget(key)


def _connection_of(session: ServerSession) -> Hashable:
    """The client connection a session belongs to: the SDK builds a new `ServerSession` for every request, so a
    subscribe and the matching unsubscribe arrive with different sessions; their connection is what lasts."""
    connection: Hashable = _sdk.connection_of(session)
    return connection


def _on_connection_close(session: ServerSession, callback: Callable[[], None]) -> None:
    """Run `callback` when the session's connection closes: the SDK's per-connection teardown hook."""
    _sdk.connection_exit_stack(session).callback(callback)
