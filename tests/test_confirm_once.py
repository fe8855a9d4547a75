"""A preview acts once, at the API minimum, through a real MCP client in both eras, with and without elicitation:
five concurrent confirms of one token send one campaign; a later use answers the first outcome; a confirm costs
exactly the act's own E-goi calls; a preview of a missing target answers the act's not-found code; a malformed
token is refused, never a crash."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import mcp.types as types
import pytest
from mcp import Client

from egoi_mcp.server import EgoiServer
from tests.conftest import ERAS, call, fails

pytestmark = pytest.mark.anyio

MODES = [(era, elicit) for era in ERAS for elicit in (False, True)]
TOMORROW = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat()


async def _accept(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"confirm": True})


def _client(server: EgoiServer, era: str, elicit: bool) -> Client:
    return Client(server.mcp, mode=era, elicitation_callback=_accept if elicit else None)


def _egoi_calls(server: EgoiServer) -> int:
    """Every request that reached (the sandbox's) E-goi so far."""
    sandbox = server.current().sandbox
    assert sandbox is not None
    return sandbox.budget.used


def _scheduled(server: EgoiServer, campaign_id: str) -> int:
    sandbox = server.current().sandbox
    assert sandbox is not None
    return sum(1 for op in sandbox.queue.operations.values() if op.campaign_hash == campaign_id)


async def _campaign(client: Client) -> str:
    return str((await call(client, "egoi_list_campaigns", list_id=1))["items"][0]["id"])


@pytest.mark.parametrize(("era", "elicit"), MODES)
async def test_five_concurrent_confirms_send_once(server: EgoiServer, era: str, elicit: bool) -> None:
    async with _client(server, era, elicit) as client:
        campaign = await _campaign(client)
        preview = await call(
            client, "egoi_send_email_to_segment", campaign_id=campaign, segment_id="auto_1", send_at=TOMORROW
        )
        answers: list[tuple[bool, str]] = []

        async def confirm() -> None:
            result = await client.call_tool("egoi_send_email_to_segment", preview["call_again_with"])
            answers.append((result.is_error, result.content[0].text))

        async with anyio.create_task_group() as tasks:
            for _ in range(5):
                tasks.start_soon(confirm)
        assert _scheduled(server, campaign) == 1, "E-goi received exactly one send"
        done = [text for error, text in answers if not error and '"status":"done"' in text]
        assert len(done) >= 1 and sum("Already done" not in t for t in done) == 1, answers
        for error, text in answers:
            assert ("CONFIRMATION_IN_PROGRESS" in text) if error else ("scheduled campaign" in text), text

        sandbox = server.current().sandbox
        assert sandbox is not None
        calls = sandbox.budget.used
        async with _client(server, era, elicit) as other:  # a new client, later: the first outcome, no send
            again = await call(other, "egoi_send_email_to_segment", **preview["call_again_with"])
            assert _egoi_calls(server) == 0, "the answer came from the store"
        assert again["status"] == "done" and again["summary"].startswith("Already done at ")
        assert "segment" in again["summary"] and sandbox.budget.used == calls


async def _arrange(client: Client, server: EgoiServer, tool: str) -> dict[str, Any]:
    """Arguments that preview a real effect of `tool` on the sandbox."""
    contact = (await call(client, "egoi_create_contact", email=f"{tool}@example.com", list_id=1))["id"]
    campaign = await _campaign(client)
    if tool == "egoi_delete_list":
        return {"list_id": (await call(client, "egoi_create_list", name=f"gone {len(tool)}"))["id"]}
    if tool == "egoi_delete_tag":
        return {"tag_id": (await call(client, "egoi_create_tag", name=f"gone-{id(client)}"))["id"]}
    if tool == "egoi_delete_webhook":
        return {"webhook_id": (await call(client, "egoi_register_webhook", list_id=1))["id"]}
    if tool == "egoi_delete_contacts":
        return {"contact_ids": [contact], "list_id": 1}
    if tool == "egoi_update_contacts":
        return {"contact_ids": [contact], "list_id": 1, "first_name": "Ana"}
    if tool == "egoi_send_email_to_contact":
        return {"campaign_id": campaign, "contact_id": contact, "send_at": TOMORROW}
    if tool == "egoi_send_email_to_segment":
        return {"campaign_id": campaign, "segment_id": "auto_1", "send_at": TOMORROW}
    assert tool == "egoi_cancel_send"
    await call(client, "egoi_send_email_to_segment", **(await call(
        client, "egoi_send_email_to_segment", campaign_id=campaign, segment_id="auto_1", send_at=TOMORROW
    ))["call_again_with"])  # fmt: skip
    return {"campaign_id": campaign}


DESTRUCTIVE = [
    "egoi_delete_list",
    "egoi_delete_tag",
    "egoi_delete_webhook",
    "egoi_delete_contacts",
    "egoi_update_contacts",
    "egoi_send_email_to_contact",
    "egoi_send_email_to_segment",
    "egoi_cancel_send",
]


@pytest.mark.parametrize(("era", "elicit"), MODES)
@pytest.mark.parametrize("tool", DESTRUCTIVE)
async def test_a_confirm_costs_exactly_the_act(server: EgoiServer, tool: str, era: str, elicit: bool) -> None:
    async with _client(server, era, elicit) as client:
        arguments = await _arrange(client, server, tool)
        before = _egoi_calls(server)
        preview = await call(client, tool, **arguments)
        previewed = _egoi_calls(server)
        assert preview["status"] == "confirmation_required", preview
        assert previewed - before <= 3, f"{tool}: the preview cost {previewed - before} E-goi calls"
        done = await call(client, tool, **preview["call_again_with"])
        assert done["status"] == "done", done
        assert _egoi_calls(server) - previewed == 1, f"{tool}: the confirm cost {_egoi_calls(server) - previewed}"
        replay = await call(client, tool, **preview["call_again_with"])
        assert replay["summary"].startswith("Already done at ") and _egoi_calls(server) - previewed == 1


Missing = Callable[[Client], Awaitable[tuple[dict[str, Any], str]]]


@pytest.mark.parametrize(
    ("tool", "arguments", "code"),
    [
        ("egoi_delete_webhook", {"webhook_id": 999}, "WEBHOOK_NOT_FOUND"),
        ("egoi_update_contacts", {"contact_ids": ["abcdef0123"], "first_name": "X"}, "SUBSCRIBER_NOT_FOUND"),
        ("egoi_delete_contacts", {"contact_ids": ["abcdef0123"]}, "SUBSCRIBER_NOT_FOUND"),
        ("egoi_cancel_send", {"campaign_id": "nosuchcampaign"}, "CAMPAIGN_NOT_FOUND"),
        ("egoi_send_email_to_segment", {"campaign_id": "nosuchcampaign", "segment_id": "auto_1"}, "CAMPAIGN_NOT_FOUND"),
        ("egoi_delete_tag", {"tag_id": 999}, "TAG_NOT_FOUND"),
        ("egoi_delete_list", {"list_id": 999}, "LIST_NOT_FOUND"),
    ],
)
async def test_a_preview_of_a_missing_target_is_not_found(
    client: Client, tool: str, arguments: dict[str, Any], code: str
) -> None:
    error = await fails(client, tool, **arguments)
    assert error.removeprefix(f"Error executing tool {tool}: ").startswith(code), error


async def test_a_segment_of_another_list_is_not_found(client: Client) -> None:
    campaign = await _campaign(client)
    error = await fails(client, "egoi_send_email_to_segment", campaign_id=campaign, segment_id="nosuchsegment")
    assert "SEGMENT_NOT_FOUND" in error


@pytest.mark.parametrize(
    "token",
    ["²", "9" * 5000, "1" * 5000 + ".x.y", "١٢٣٤٥٦٧٨٩٠.aaaaaaaaaaa." + "a" * 43, " 1.a.b", "-5.a.b", "1e9.a.b", ""],
)
async def test_a_malformed_token_is_refused_with_a_reason(client: Client, token: str) -> None:
    preview = await call(client, "egoi_delete_tag", tag_id=1)
    error = await fails(client, "egoi_delete_tag", **{**preview["call_again_with"], "confirm_token": token})
    assert "CONFIRMATION_REFUSED" in error and "preview" in error, error
    assert (await call(client, "egoi_list_tags"))["items"][0]["id"] == 1, "nothing was deleted"


async def test_a_segment_send_preview_costs_three_cold_and_two_after_the_listing(
    server: EgoiServer, client: Client
) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    campaign = next(c.campaign_hash for c in sandbox.campaigns.values() if c.list_id == 1)  # known, not listed
    before = _egoi_calls(server)
    await call(client, "egoi_send_email_to_segment", campaign_id=campaign, segment_id="auto_1")
    assert _egoi_calls(server) - before == 3, "cold: the campaign, the segment, its size"
    await call(client, "egoi_list_campaigns", list_id=1)  # the listing that finds it
    before = _egoi_calls(server)
    await call(client, "egoi_send_email_to_segment", campaign_id=campaign, segment_id="auto_1")
    assert _egoi_calls(server) - before == 2, "warm: the listing just showed the campaign"
