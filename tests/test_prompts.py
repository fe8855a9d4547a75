"""Prompts and completions through a real MCP client, in both protocol eras, on the sandbox."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import mcp.types as types
import pytest
from mcp import Client

from egoi_mcp.config import Settings
from egoi_mcp.server import EgoiServer, build_server
from tests.conftest import every_tool

pytestmark = pytest.mark.anyio

ERAS = ["auto", "legacy"]
PROMPTS = {
    "campaign_review": {"campaign_id": "abc123"},
    "list_health": {"list_id": "1"},
    "segment_send_checklist": {"campaign_id": "abc123", "segment_id": "auto_1"},
}


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(sandbox=True, db=tmp_path / "events.db", webhook_secret="prompts-webhook-secret", **overrides)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[EgoiServer]:
    yield build_server(settings(tmp_path))


@pytest.fixture(params=ERAS)
async def client(request: pytest.FixtureRequest, server: EgoiServer) -> AsyncIterator[Client]:
    async with Client(server.mcp, mode=request.param) as c:
        yield c


async def prompt_text(client: Client, name: str, arguments: dict[str, str]) -> str:
    result = await client.get_prompt(name, arguments)
    (message,) = result.messages
    assert message.role == "user"
    return message.content.text  # type: ignore[union-attr]


async def test_each_prompt_names_the_tools_to_call(client: Client) -> None:
    listed = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(listed) == set(PROMPTS)
    tools = {t.name for t in await every_tool(client)}
    for name, arguments in PROMPTS.items():
        assert {a.name for a in listed[name].arguments or []} == set(arguments)
        assert all(a.required for a in listed[name].arguments or [])
        text = await prompt_text(client, name, arguments)
        named = set(re.findall(r"\begoi_[a-z_]+\b", text))
        assert named and named <= tools, name
        assert all(value in text for value in arguments.values())
    checklist = await prompt_text(client, "segment_send_checklist", PROMPTS["segment_send_checklist"])
    assert "egoi_send_email_to_segment" in checklist and "without confirm" in checklist


@pytest.mark.parametrize("mode", ERAS)
async def test_prompts_name_only_registered_tools(tmp_path: Path, mode: str) -> None:
    built = build_server(settings(tmp_path, read_only=True, toolsets=["contacts", "campaigns"]))
    async with Client(built.mcp, mode=mode) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        for name, arguments in PROMPTS.items():
            named = set(re.findall(r"\begoi_[a-z_]+\b", await prompt_text(client, name, arguments)))
            assert named <= tools, (name, named - tools)
        checklist = await prompt_text(client, "segment_send_checklist", PROMPTS["segment_send_checklist"])
        assert "egoi_send_email_to_segment" not in checklist and "egoi_list_contacts" in checklist


async def complete(client: Client, prompt: str, name: str, value: str, **context: str) -> list[str]:
    ref = types.PromptReference(name=prompt)
    result = await client.complete(ref, {"name": name, "value": value}, context_arguments=context or None)
    return result.completion.values


async def test_prompt_arguments_complete_from_cached_listings(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    campaign = next(iter(sandbox.campaigns.values()))
    assert campaign.campaign_hash in await complete(client, "campaign_review", "campaign_id", "")
    by_name = await complete(client, "campaign_review", "campaign_id", campaign.internal_name[:6].lower())
    assert campaign.campaign_hash in by_name, "a campaign is found by the start of its name too"
    assert "1" in await complete(client, "list_health", "list_id", "")
    before = sandbox.budget.used
    assert "1" in await complete(client, "list_health", "list_id", "1")
    assert sandbox.budget.used == before, "a second completion is served from the cached listing"
    segments = await complete(
        client, "segment_send_checklist", "segment_id", "auto", campaign_id=campaign.campaign_hash
    )
    assert segments == ["auto_1", "auto_2"]
    assert await complete(client, "segment_send_checklist", "segment_id", "zzz") == []
    # `tag` is completed wherever an argument has that name (tag names, from the tag listing)
    assert await complete(client, "list_health", "tag", "vi") == ["vip"]


async def test_trigger_and_event_completion_share_the_one_handler(client: Client) -> None:
    ref = types.ResourceTemplateReference(uri="egoi://events/{trigger}")
    result = await client.complete(ref, {"name": "trigger", "value": "email_s"})
    assert result.completion.values == ["email_soft_bounced", "email_sent"]
