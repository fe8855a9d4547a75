"""Limits a model cannot talk its way past: with no person in the loop (a client without elicitation, confirm=flag)
a send reaches at most N contacts, a call removes at most K, and at most M sends an hour are made, counted in the
shared store; a client that asks its user is not capped. Through a real MCP client in both eras, on the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mcp.types as types
import pytest
from mcp import Client

from egoi_mcp.server import EgoiServer, build_server
from tests.conftest import ERAS, call, fails, make_settings

pytestmark = pytest.mark.anyio

LATER = "2099-01-01T18:00:00+00:00"


def _server(tmp_path: Path, **limits: int) -> EgoiServer:
    return build_server(make_settings(tmp_path, **limits))


async def _accept(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"confirm": True})


async def _segment_send(client: Client, campaign: str) -> dict[str, Any]:
    return await call(client, "egoi_send_email_to_segment", campaign_id=campaign, segment_id="auto_1", send_at=LATER)


async def _campaign(client: Client) -> str:
    return str((await call(client, "egoi_list_campaigns", list_id=1))["items"][0]["id"])


@pytest.mark.parametrize("era", ERAS)
async def test_a_send_past_the_recipient_cap_is_refused_without_a_person(tmp_path: Path, era: str) -> None:
    server = _server(tmp_path, unattended_max_recipients=1)
    async with Client(server.mcp, mode=era) as client:
        campaign = await _campaign(client)
        error = await fails(client, "egoi_send_email_to_segment", campaign_id=campaign, segment_id="auto_1")
        assert "UNATTENDED_LIMIT" in error and "EGOI_MCP_UNATTENDED_MAX_RECIPIENTS" in error and "elicitation" in error
        assert not server.current().sandbox.queue.operations  # type: ignore[union-attr]
    async with Client(server.mcp, mode=era, elicitation_callback=_accept) as asking:  # a person says yes: no cap
        campaign = await _campaign(asking)
        done = await call(
            asking, "egoi_send_email_to_segment", **(await _segment_send(asking, campaign))["call_again_with"]
        )
        assert done["status"] == "done"


@pytest.mark.parametrize("era", ERAS)
async def test_sends_an_hour_are_capped_across_processes(tmp_path: Path, era: str) -> None:
    first, second = _server(tmp_path, unattended_sends_per_hour=2), _server(tmp_path, unattended_sends_per_hour=2)
    async with Client(first.mcp, mode=era) as one, Client(second.mcp, mode=era) as two:  # one store, two servers
        campaign = await _campaign(one)
        again = (await _segment_send(one, campaign))["call_again_with"]
        assert (await call(one, "egoi_send_email_to_segment", **again))["status"] == "done"
        assert (await call(one, "egoi_send_email_to_segment", **again))["summary"].startswith("Already done")
        other = (await _segment_send(two, await _campaign(two)))["call_again_with"]
        assert (await call(two, "egoi_send_email_to_segment", **other))["status"] == "done"  # 2 of 2
        third = (await _segment_send(one, campaign))["call_again_with"]
        error = await fails(one, "egoi_send_email_to_segment", **third)
        assert "UNATTENDED_LIMIT" in error and "EGOI_MCP_UNATTENDED_SENDS_PER_HOUR" in error
        assert "the last hour" in error


@pytest.mark.parametrize("era", ERAS)
async def test_a_call_removing_more_contacts_than_the_cap_is_refused(tmp_path: Path, era: str) -> None:
    server = _server(tmp_path, unattended_max_deletes=1)
    async with Client(server.mcp, mode=era) as client:
        ids = [
            (await call(client, "egoi_create_contact", email=f"cap{i}@example.com", list_id=1))["id"] for i in (1, 2)
        ]
        error = await fails(client, "egoi_delete_contacts", contact_ids=ids, list_id=1)
        assert "UNATTENDED_LIMIT" in error and "EGOI_MCP_UNATTENDED_MAX_DELETES" in error
        one = await call(client, "egoi_delete_contacts", contact_ids=ids[:1], list_id=1)
        assert (await call(client, "egoi_delete_contacts", **one["call_again_with"]))["status"] == "done"
        assert "UNATTENDED_LIMIT" in await fails(client, "egoi_delete_list", list_id=1)  # a list's contacts count


async def test_the_elicit_mode_still_refuses_a_client_that_cannot_ask(tmp_path: Path) -> None:
    server = build_server(make_settings(tmp_path, confirm="elicit"))
    async with Client(server.mcp) as client:
        preview = await call(client, "egoi_delete_tag", tag_id=1)
        assert "EGOI_MCP_CONFIRM=elicit" in await fails(client, "egoi_delete_tag", **preview["call_again_with"])
