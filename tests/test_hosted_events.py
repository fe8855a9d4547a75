"""Webhook events per E-goi account on a hosted connector: two users, two sandbox keys, two accounts.

Each account has a receiver URL of its own (`/webhooks/egoi/{account}/{mac}`); what reaches it is that account's,
seen through its users' tools, resources and subscriptions in both protocol eras, on both store engines, and
never by another account's user.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import httpx2
import mcp.types as types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from egoi_mcp.jobs.service import account_of
from egoi_mcp.server import EgoiServer
from egoi_mcp.store import SQLiteStore
from egoi_mcp.webhooks import parse_delivery
from egoi_mcp.webhooks.address import account_secret
from tests.conftest import call
from tests.heard import Heard, handler, subscribed
from tests.hosted import ALICE, BOB, Person, connected, hosted, serve
from tests.test_hosted_idp import IdP

pytestmark = pytest.mark.anyio

RECENT = "egoi://events/recent"


def _db(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("postgres_url") if engine == "postgresql" else tmp_path / "events.db"


def _receiver(url: str, server: EgoiServer, api_key: str, *, mac: str | None = None) -> str:
    """The receiver URL of `api_key`'s account (what egoi_register_webhook registers), or with another MAC."""
    account = account_of(api_key)
    return f"{url}/webhooks/egoi/{account}/{mac or account_secret(server.seal_key, account)}"


async def _deliver(target: str, action: str, n: int) -> httpx.Response:
    body = {"action": action, "list_id": 1, "contact_id": f"{n:010x}", "email": f"reader{n}@example.com"}
    async with httpx.AsyncClient() as http:
        return await http.post(target, json=body)


async def _stored(target: str, action: str, n: int) -> str:
    response = await _deliver(target, action, n)
    assert response.status_code == 200, response.text
    return str(response.json()["event_id"])


def _items(result: types.ReadResourceResult) -> list[dict[str, Any]]:
    content = result.contents[0]
    assert isinstance(content, types.TextResourceContents)
    return list(json.loads(content.text))


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_a_delivery_to_an_accounts_receiver_is_seen_by_that_account_only(
    tmp_path: Path, engine: str, mode: str, request: pytest.FixtureRequest
) -> None:
    with hosted(tmp_path, db=_db(engine, tmp_path, request)) as (url, server):
        alice_heard, bob_heard = Heard(), Heard()
        uris = [
            RECENT,
            "egoi://events/new_subscriber",
            "egoi://events/new_unsubscriber",
            "egoi://event/1",
            "egoi://event/2",
        ]
        async with (
            connected(url, Person(ALICE), mode=mode, message_handler=handler(alice_heard, mode)) as alice,
            connected(url, Person(BOB), mode=mode, message_handler=handler(bob_heard, mode)) as bob,
            subscribed(alice, alice_heard, mode, uris),
            subscribed(bob, bob_heard, mode, uris),
        ):
            assert await _stored(_receiver(url, server, ALICE), "subscription", 1) == "1"
            await alice_heard.wait_for("egoi://event/1")
            await alice_heard.wait_for(RECENT)
            assert await _stored(_receiver(url, server, BOB), "unsubscribe", 2) == "2"
            await bob_heard.wait_for("egoi://event/2")
            await bob_heard.wait_for(RECENT)
            # What Bob heard is his event's, once each: Alice's (sent before his) never reached him.
            assert sorted(bob_heard.uris) == sorted([RECENT, "egoi://events/new_unsubscriber", "egoi://event/2"])
            assert "egoi://event/2" not in alice_heard.uris and "egoi://events/new_unsubscriber" not in alice_heard.uris

            mine = await call(alice, "egoi_list_events")
            assert [(e["id"], e["email"]) for e in mine["items"]] == [("1", "reader1@example.com")]
            theirs = await call(bob, "egoi_list_events", limit=100)
            assert [e["id"] for e in theirs["items"]] == ["2"] and theirs["total"] == 1
            for arguments in ({"contact": "reader1@example.com"}, {"trigger": "new_subscriber"}, {"after": "0"}):
                found = await call(bob, "egoi_list_events", **arguments)
                assert "1" not in [e["id"] for e in found["items"]], arguments

            assert [e["id"] for e in _items(await alice.read_resource(RECENT))] == ["1"]
            assert [e["id"] for e in _items(await bob.read_resource(RECENT))] == ["2"]
            assert _items(await bob.read_resource("egoi://events/new_subscriber")) == []
            assert "reader1@example.com" in str(await alice.read_resource("egoi://event/1"))
            with pytest.raises(MCPError, match="no event '1'") as refused:
                await bob.read_resource("egoi://event/1")
            assert "reader1" not in str(refused.value)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_a_delivery_without_the_accounts_own_mac_is_404_and_stores_nothing(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    with hosted(tmp_path, db=_db(engine, tmp_path, request)) as (url, server):
        bobs_mac = account_secret(server.seal_key, account_of(BOB))
        not_an_account = "alice"
        refused = [
            _receiver(url, server, ALICE, mac="wrong-mac"),
            _receiver(url, server, ALICE, mac=bobs_mac),  # another account's MAC
            f"{url}/webhooks/egoi/{not_an_account}/{account_secret(server.seal_key, not_an_account)}",
            f"{url}/webhooks/egoi/{account_of(ALICE)}/{server.webhook_secret}",  # the server-wide secret
        ]
        for target in refused:
            response = await _deliver(target, "subscription", 1)
            assert response.status_code == 404, (target, response.text)
        async with connected(url, Person(ALICE)) as alice:
            assert (await call(alice, "egoi_list_events"))["items"] == []
            assert _items(await alice.read_resource(RECENT)) == []
            # The first delivery stored is number 1: none of the refused ones took an id.
            assert await _stored(_receiver(url, server, ALICE), "subscription", 1) == "1"
            assert [e["id"] for e in (await call(alice, "egoi_list_events"))["items"]] == ["1"]


async def test_the_server_wide_receiver_still_works_and_its_events_are_no_users(tmp_path: Path) -> None:
    with hosted(tmp_path) as (url, server):
        assert await _stored(f"{url}/webhooks/egoi/{server.webhook_secret}", "subscription", 1) == "1"
        async with connected(url, Person(ALICE)) as alice:
            assert (await call(alice, "egoi_list_events"))["items"] == []
            with pytest.raises(MCPError, match="no event '1'"):
                await alice.read_resource("egoi://event/1")


async def test_users_of_one_key_share_its_account_and_the_sandbox_delivers_to_its_own_url(tmp_path: Path) -> None:
    """egoi_register_webhook registers the account's own receiver URL; the sandbox's real HTTP delivery to it is
    that account's event, seen by every user who linked the same key, and by nobody else."""
    with hosted(tmp_path) as (url, server):
        heard = Heard()
        async with (
            connected(url, Person(ALICE)) as alice,
            connected(url, Person(ALICE)) as colleague,  # another user (another browser) linking the same key
            connected(url, Person(BOB)) as bob,
            subscribed(colleague, heard, "auto", [RECENT]),
        ):
            hook = await call(alice, "egoi_register_webhook", list_id=1, triggers=["new_subscriber"])
            assert f"/webhooks/egoi/{account_of(ALICE)}/" in hook["url"]
            assert account_secret(server.seal_key, account_of(ALICE)) not in json.dumps(hook)
            assert hook["id"] not in [h["id"] for h in (await call(bob, "egoi_list_webhooks"))["items"]]
            await call(alice, "egoi_create_contact", email="new.reader@example.com", list_id=1)
            await heard.wait_for(RECENT)
            for client in (alice, colleague):
                events = await call(client, "egoi_list_events", trigger="new_subscriber")
                assert [e["email"] for e in events["items"]] == ["new.reader@example.com"]
                assert events.get("note") is None  # a webhook sends this account's events here
            nothing = await call(bob, "egoi_list_events")
            assert nothing["items"] == [] and "no E-goi webhook sends" in nothing["note"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_event_another_process_stores_reaches_only_its_accounts_subscribers(tmp_path: Path, mode: str) -> None:
    """The watcher (events stored by another process sharing the store) tells each account of its own only."""
    with hosted(tmp_path) as (url, _):
        alice_heard, bob_heard = Heard(), Heard()
        uris = [RECENT, "egoi://events/new_subscriber", "egoi://event/1", "egoi://event/2"]
        async with (
            SQLiteStore(tmp_path / "events.db") as other_process,
            connected(url, Person(ALICE), mode=mode, message_handler=handler(alice_heard, mode)) as alice,
            connected(url, Person(BOB), mode=mode, message_handler=handler(bob_heard, mode)) as bob,
            subscribed(alice, alice_heard, mode, uris),
            subscribed(bob, bob_heard, mode, uris),
        ):
            for n, key, heard in ((1, ALICE, alice_heard), (2, BOB, bob_heard)):
                raw = json.dumps({"action": "subscription", "list_id": 1, "email": f"reader{n}@example.com"}).encode()
                delivery = parse_delivery(raw, "application/json")
                event, _ = await other_process.add(raw, delivery, account=account_of(key))
                assert event.id == str(n)
                await heard.wait_for(f"egoi://event/{n}")
                await heard.wait_for(RECENT)
            assert sorted(bob_heard.uris) == sorted([RECENT, "egoi://events/new_subscriber", "egoi://event/2"])
            assert "egoi://event/2" not in alice_heard.uris
            assert [e["id"] for e in (await call(bob, "egoi_list_events"))["items"]] == ["2"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_user_with_no_linked_account_hears_of_no_events(tmp_path: Path, mode: str) -> None:
    """With an external identity provider, a signed-in user may have no E-goi account yet: subscribing is refused
    with the link page (URL elicitation), like a read, rather than hearing of the server-wide receiver's events."""
    provider = IdP()
    with serve(provider.app(), provider.port), hosted(tmp_path, oauth_issuer=provider.issuer) as (url, _):
        headers = {"Authorization": f"Bearer {provider.token(f'{url}/mcp')}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http), mode=mode) as client,
        ):
            with pytest.raises(MCPError) as raised:
                async with subscribed(client, Heard(), mode, [RECENT]):
                    pass
            assert raised.value.error.code == -32042
            assert raised.value.error.data["elicitations"][0]["url"].startswith(f"{url}/oauth/link?request=")
