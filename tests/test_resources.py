"""The event resources, read in both protocol eras, and their notifications in one process (live over real HTTP:
test_resources_live.py)."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import anyio
import httpx
import mcp.types as types
import pytest
from mcp import Client, MCPError
from mcp.server import MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus

from egoi_mcp.models import Event
from egoi_mcp.resources import EVENT_URI, RECENT_URI, EventNotifier, affected_uris, register_event_resources
from egoi_mcp.store import SQLiteStore as EventStore
from egoi_mcp.webhooks import parse_delivery

# resources/subscribe and logging/setLevel are 2025-era requests, deprecated by the 2026 protocol: still served.
pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")]

SECRET = "resources-test-secret-0123456789"


def build(store: EventStore) -> tuple[MCPServer, EventNotifier]:
    bus = InMemorySubscriptionBus()
    server = MCPServer("egoi-events-test", subscriptions=bus)
    source = SimpleNamespace(store=store, notifier=EventNotifier(store, bus), account="")
    register_event_resources(server, lambda: source)
    return server, source.notifier


def delivery(action: str, n: int, **extra: object) -> bytes:
    body = {"action": action, "list_id": 1, "contact_id": f"{n:010x}", "email": f"c{n}@example.com", **extra}
    return httpx.Request("POST", "http://x", json=body).content


async def add(store: EventStore, action: str, n: int) -> Event:
    body = delivery(action, n)
    event, _ = await store.add(body, parse_delivery(body, "application/json"))
    return event


# --- reading ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_resources_are_listed_with_titles_and_json(store: EventStore, mode: str) -> None:
    server, _ = build(store)
    async with Client(server, mode=mode) as client:
        resources = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
    recent = next(r for r in resources if str(r.uri) == RECENT_URI)
    assert recent.mime_type == "application/json" and recent.title and recent.description
    by_template = {t.uri_template: t for t in templates}
    assert set(by_template) >= {"egoi://events/{trigger}", "egoi://event/{event_id}"}
    assert all(t.mime_type == "application/json" and t.title and t.description for t in by_template.values())


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_reading_recent_trigger_and_one_event(store: EventStore, mode: str) -> None:
    server, _ = build(store)
    first = await add(store, "subscription", 1)
    await add(store, "email_open", 2)
    third = await add(store, "subscribe", 3)
    async with Client(server, mode=mode) as client:
        recent = await client.read_resource(RECENT_URI)
        subscribers = await client.read_resource("egoi://events/new_subscriber")
        opened = await client.read_resource("egoi://events/email_opened")
        one = await client.read_resource(EVENT_URI.format(event_id=first.id))
    assert recent.contents[0].mime_type == "application/json"
    assert [e["id"] for e in _events(recent)] == ["3", "2", "1"]  # newest first
    assert [e["id"] for e in _events(subscribers)] == [third.id, first.id]
    assert [e["trigger"] for e in _events(opened)] == ["email_opened"]
    event = Event.model_validate_json(one.contents[0].text)
    assert event.id == first.id and event.payload["contact_id"] == "0000000001"


async def test_recent_is_capped_at_fifty(store: EventStore) -> None:
    server, _ = build(store)
    for n in range(55):
        await add(store, "email_click", n)
    async with Client(server) as client:
        events = _events(await client.read_resource(RECENT_URI))
    assert len(events) == 50 and events[0]["id"] == "55" and events[-1]["id"] == "6"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("egoi://events/opened", "new_subscriber, new_unsubscriber, email_opened"),
        ("egoi://event/999", "egoi://events/recent"),
        ("egoi://event/abc", "never received"),
    ],
)
async def test_unknown_trigger_or_event_is_not_found(store: EventStore, mode: str, uri: str, message: str) -> None:
    server, _ = build(store)
    async with Client(server, mode=mode) as client:
        with pytest.raises(MCPError) as raised:
            await client.read_resource(uri)
    assert raised.value.error.code == types.INVALID_PARAMS
    assert message in raised.value.error.message


async def test_other_is_a_readable_trigger(store: EventStore) -> None:
    server, _ = build(store)
    await add(store, "double_optin", 1)
    async with Client(server) as client:
        events = _events(await client.read_resource("egoi://events/other"))
    assert [(e["trigger"], e["action"]) for e in events] == [("other", "double_optin")]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_completion_of_template_arguments(store: EventStore, mode: str) -> None:
    server, _ = build(store)
    for n in range(1, 13):
        await add(store, "email_open", n)
    async with Client(server, mode=mode) as client:
        triggers = await client.complete(
            types.ResourceTemplateReference(uri="egoi://events/{trigger}"), {"name": "trigger", "value": "email_"}
        )
        ids = await client.complete(
            types.ResourceTemplateReference(uri="egoi://event/{event_id}"), {"name": "event_id", "value": "1"}
        )
        other = await client.complete(types.PromptReference(name="nope"), {"name": "x", "value": ""})
    assert triggers.completion.values == [
        "email_opened",
        "email_clicked",
        "email_hard_bounced",
        "email_soft_bounced",
        "email_sent",
    ]
    assert ids.completion.values == ["12", "11", "10", "1"]
    assert other.completion.values == []


# --- the 2025-era handlers --------------------------------------------------------------------------------


async def test_legacy_capabilities_subscribe_unsubscribe_and_set_level(store: EventStore) -> None:
    server, notifier = build(store)
    logger = logging.getLogger("egoi_mcp")
    level = logger.level
    try:
        async with Client(server, mode="legacy") as client:
            capabilities = client.session.initialize_result.capabilities
            assert capabilities.resources and capabilities.resources.subscribe is True
            assert capabilities.logging is not None
            await client.subscribe_resource(RECENT_URI)
            await client.subscribe_resource("egoi://events/email_opened")
            assert notifier.subscribers(RECENT_URI) == 1
            await client.unsubscribe_resource(RECENT_URI)
            assert notifier.subscribers(RECENT_URI) == 0
            assert notifier.subscribers("egoi://events/email_opened") == 1
            before = logger.level
            await client.set_logging_level("error")
            assert logger.level == before, "a client's level is its own, not the process log's"
            async with Client(server, mode="legacy") as other:
                await other.set_logging_level("debug")
            assert notifier.log_levels() == ["error"], "the other connection's level left with it"
        assert notifier.subscribers("egoi://events/email_opened") == 0  # the connection closed: forgotten
    finally:
        logger.setLevel(level)


async def test_in_memory_legacy_subscriber_is_notified(store: EventStore) -> None:
    server, notifier = build(store)
    updates: list[str] = []
    arrived = anyio.Event()

    async def on_message(message: object) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            updates.append(message.params.uri)
            arrived.set()

    async with Client(server, mode="legacy", message_handler=on_message) as client:
        await client.subscribe_resource("egoi://events/email_opened")
        await notifier.notify([await add(store, "email_open", 1)])
        with anyio.fail_after(10):
            await arrived.wait()
    assert updates == ["egoi://events/email_opened"]


def test_affected_uris() -> None:
    now = datetime.now(UTC)
    events = [
        Event(id="7", trigger="email_opened", received_at=now),
        Event(id="8", trigger="email_opened", received_at=now),
        Event(id="9", trigger="other", received_at=now),
    ]
    assert affected_uris(events) == [
        RECENT_URI,
        "egoi://events/email_opened",
        "egoi://events/other",
        "egoi://event/7",
        "egoi://event/8",
        "egoi://event/9",
    ]


async def test_notify_publishes_each_event_once(store: EventStore) -> None:
    _, notifier = build(store)
    published: list[str] = []
    notifier.bus.subscribe(lambda event: published.append(event.uri))  # type: ignore[attr-defined]
    event = await add(store, "email_send", 1)
    await notifier.notify([event])
    await notifier.notify([event])  # the watcher seeing it too: no second notification
    assert published == [RECENT_URI, "egoi://events/email_sent", "egoi://event/1"]


async def test_concurrent_notifications_share_the_list_updates(store: EventStore) -> None:
    """A flood notifies each delivery on its own: those arriving while one publishes go out with it."""
    _, notifier = build(store)
    published: list[str] = []
    notifier.bus.subscribe(lambda event: published.append(event.uri))  # type: ignore[attr-defined]
    events = [await add(store, "email_open", n) for n in range(10)]
    async with anyio.create_task_group() as tasks:
        for event in events:
            tasks.start_soon(notifier.notify, [event])
    assert sorted(uri for uri in published if uri.startswith("egoi://event/")) == sorted(
        f"egoi://event/{event.id}" for event in events
    )  # every event once
    assert 1 <= published.count(RECENT_URI) < len(events)
    assert published.count(RECENT_URI) == published.count("egoi://events/email_opened")
    await notifier.notify(events)  # nothing left over, nothing twice
    assert len(published) == 10 + 2 * published.count(RECENT_URI)


async def test_the_watch_reads_only_events_this_process_did_not_notify(tmp_path: Path) -> None:
    """During a flood nearly every new id is one this process stored and notified: they are not read again."""
    db = tmp_path / "events.db"
    store = EventStore(db)
    _, notifier = build(store)
    published: list[str] = []
    notifier.bus.subscribe(lambda event: published.append(event.uri))  # type: ignore[attr-defined]
    read: list[list[int]] = []
    get_many = store.get_many

    async def observed_get_many(ids: list[int]) -> list[Event]:
        read.append(list(ids))
        return await get_many(ids)

    store.get_many = observed_get_many  # type: ignore[method-assign]
    watching, stored = anyio.Event(), anyio.Event()
    last_id = store.last_id

    async def gated_last_id() -> int:
        if watching.is_set():  # the watch's next round waits until every event below is stored
            await stored.wait()
        value = await last_id()
        watching.set()
        return value

    store.last_id = gated_last_id  # type: ignore[method-assign]
    async with EventStore(db) as other, anyio.create_task_group() as tasks:
        tasks.start_soon(notifier.watch, 0.01)
        await watching.wait()  # the watch starts from the end: 0
        for n in range(1, 4):
            await notifier.notify([await add(store, "email_open", n)])  # received here: ids 1-3
        await add(other, "email_click", 4)  # received by another process, between ours
        await notifier.notify([await add(store, "email_open", 5)])
        stored.set()
        with anyio.fail_after(10):
            while "egoi://event/4" not in published:
                await anyio.sleep(0.01)
        await store.close()
    assert read == [[4]]
    assert all(published.count(f"egoi://event/{n}") == 1 for n in range(1, 6))


async def test_watch_notifies_what_other_writers_store_and_ends_with_the_store(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    store = EventStore(db)
    _, notifier = build(store)
    published: list[str] = []
    notifier.bus.subscribe(lambda event: published.append(event.uri))  # type: ignore[attr-defined]
    await add(store, "subscription", 1)  # before the watch: history, not news
    watching = anyio.Event()
    last_id = store.last_id

    async def observed_last_id() -> int:
        value = await last_id()
        watching.set()
        return value

    store.last_id = observed_last_id  # type: ignore[method-assign]
    async with EventStore(db) as other, anyio.create_task_group() as tasks:
        tasks.start_soon(notifier.watch, 0.01)
        await watching.wait()
        await add(other, "email_soft_bounce", 2)
        with anyio.fail_after(10):
            while "egoi://event/2" not in published:
                await anyio.sleep(0.01)
        await store.close()  # the watch sees the store closed and returns: the task group can end
    assert published == [RECENT_URI, "egoi://events/email_soft_bounced", "egoi://event/2"]


async def test_a_failing_legacy_session_is_dropped(store: EventStore) -> None:
    _, notifier = build(store)

    class Connection:
        exit_stack = AsyncExitStack()

    class Gone:  # a session whose client went away: its connection still stands, its sends fail
        _connection = Connection()

        async def send_resource_updated(self, uri: str) -> None:
            raise ConnectionError("client went away")

    notifier.subscribe(RECENT_URI, Gone())  # type: ignore[arg-type]
    assert notifier.subscribers(RECENT_URI) == 1
    await notifier.notify([await add(store, "subscription", 1)])
    assert notifier.subscribers(RECENT_URI) == 0


def _events(result: types.ReadResourceResult) -> list[dict]:
    import json

    return json.loads(result.contents[0].text)
