"""Inputs checked at the door, through a real MCP client in both eras: an unknown argument is refused with the
valid names (never silently dropped), and nothing is previewed or changed for it."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.conftest import call, fails

pytestmark = pytest.mark.anyio


async def test_a_guessed_parameter_is_refused_with_the_likely_one(client: Client) -> None:
    error = await fails(client, "egoi_list_events", email="nobody@example.com")
    assert error.startswith("UNKNOWN_ARGUMENT 'email': egoi_list_events has no such parameter; did you mean 'contact'?")
    assert "It takes: trigger, list_id, contact" in error and "\n" not in error


async def test_an_unknown_argument_to_a_destructive_tool_previews_nothing(client: Client) -> None:
    contact = (await call(client, "egoi_create_contact", email="guess@example.com", list_id=1))["id"]
    error = await fails(client, "egoi_update_contacts", contact_ids=[contact], list_id=1, tags=["vip"])
    assert error.startswith("UNKNOWN_ARGUMENT 'tags': egoi_update_contacts has no such parameter")
    assert "confirm_token" not in error.split("It takes:")[0]
    nothing = await fails(client, "egoi_update_contacts", contact_ids=[contact], list_id=1)
    assert "nothing to set" in nothing, "an update that sets nothing gets no preview and no token"


async def test_hidden_parameters_are_not_arguments(client: Client) -> None:
    error = await fails(client, "egoi_delete_tag", tag_id=1, decision={"confirm": True}, plan={})
    assert "UNKNOWN_ARGUMENT 'decision'" in error and "UNKNOWN_ARGUMENT 'plan'" in error
