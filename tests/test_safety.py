"""The guarantees of the MCP surface, each through a real MCP client in both protocol eras (sandbox-backed):
confirmations that cannot be skipped, strict booleans, bounded results, strict-mode schemas and nulls,
descriptions that name only registered tools, and webhooks without duplicates."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import mcp.types as types
import pytest
from agents.strict_schema import ensure_strict_json_schema
from mcp import Client

from egoi_mcp.server import EgoiServer, build_server
from egoi_mcp.tools._results import MAX_RESULT_BYTES
from egoi_mcp.webhooks import parse_delivery
from tests.conftest import ERAS, call, every_tool, fails, make_settings

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(tmp_path: Path, clock: Clock) -> EgoiServer:
    return build_server(make_settings(tmp_path), clock=clock)


@pytest.fixture(params=ERAS)
async def client(request: pytest.FixtureRequest, server: EgoiServer) -> Any:
    async with Client(server.mcp, mode=request.param) as c:
        yield c


async def _contact(client: Client, email: str) -> str:
    return (await call(client, "egoi_create_contact", email=email, list_id=1))["id"]


async def _exists(client: Client, contact_id: str) -> bool:
    result = await client.call_tool("egoi_get_contact", {"contact_id": contact_id, "list_id": 1})
    return not result.is_error


# --- 9.1 a confirmation the model cannot skip -------------------------------------------------------------------


async def test_confirm_without_a_token_changes_nothing(client: Client) -> None:
    contact_id = await _contact(client, "no-token@example.com")
    error = await fails(client, "egoi_delete_contacts", contact_ids=[contact_id], list_id=1, confirm=True)
    assert "CONFIRMATION_REFUSED" in error and "confirm_token" in error
    assert await _exists(client, contact_id)


async def test_the_preview_token_acts_only_on_its_own_arguments(client: Client) -> None:
    kept = await _contact(client, "kept@example.com")
    other = await _contact(client, "other@example.com")
    preview = await call(client, "egoi_delete_contacts", contact_ids=[kept], list_id=1)
    again = preview["call_again_with"]
    assert again["confirm"] is True and again["confirm_token"] and again["contact_ids"] == [kept]
    swapped = await fails(client, "egoi_delete_contacts", **{**again, "contact_ids": [other]})
    assert "other arguments" in swapped
    moded = await fails(client, "egoi_delete_contacts", **{**again, "mode": "unsubscribe"})
    assert "other arguments" in moded
    other_tool = await fails(client, "egoi_delete_list", list_id=1, confirm=True, confirm_token=again["confirm_token"])
    assert "CONFIRMATION_REFUSED" in other_tool
    forged = await fails(client, "egoi_delete_contacts", **{**again, "confirm_token": "9999999999.forged"})
    assert "CONFIRMATION_REFUSED" in forged
    assert await _exists(client, kept) and await _exists(client, other)
    assert (await call(client, "egoi_delete_contacts", **again))["status"] == "done"
    assert not await _exists(client, kept) and await _exists(client, other)


async def test_a_token_expires_after_ten_minutes(client: Client, clock: Clock) -> None:
    contact_id = await _contact(client, "slow@example.com")
    again = (await call(client, "egoi_delete_contacts", contact_ids=[contact_id], list_id=1))["call_again_with"]
    clock.now += 601
    error = await fails(client, "egoi_delete_contacts", **again)
    assert "expired" in error
    assert await _exists(client, contact_id)


async def test_a_token_from_another_server_key_is_refused(tmp_path: Path, server: EgoiServer) -> None:
    other = build_server(make_settings(tmp_path / "other", seal_key="k" * 40))
    async with Client(other.mcp) as theirs, Client(server.mcp) as ours:
        contact_id = await _contact(ours, "cross@example.com")
        again = (await call(theirs, "egoi_delete_tag", tag_id=1))["call_again_with"]
        assert "CONFIRMATION_REFUSED" in await fails(ours, "egoi_delete_tag", **again)
        assert await _exists(ours, contact_id)


@pytest.mark.parametrize("mode", ERAS)
async def test_elicitation_still_asks_on_top_of_the_token(server: EgoiServer, mode: str) -> None:
    asked: list[str] = []

    async def on_elicit(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": True})

    async with Client(server.mcp, mode=mode, elicitation_callback=on_elicit) as client:
        contact_id = await _contact(client, "asked@example.com")
        assert "CONFIRMATION_REFUSED" in await fails(
            client, "egoi_delete_contacts", contact_ids=[contact_id], list_id=1, confirm=True
        )
        assert not asked, "a call without a valid token is refused before anyone is asked"
        again = (await call(client, "egoi_delete_contacts", contact_ids=[contact_id], list_id=1))["call_again_with"]
        assert (await call(client, "egoi_delete_contacts", **again))["status"] == "done"
        assert asked and "asked@example.com" in asked[0]


# --- 9.2 strict booleans where they decide ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "yes", "1", "on", 1, 1.0])
async def test_confirm_accepts_only_json_booleans(client: Client, value: object) -> None:
    contact_id = await _contact(client, f"strict-{str(value).replace('.', '')}@example.com")
    again = (await call(client, "egoi_delete_contacts", contact_ids=[contact_id], list_id=1))["call_again_with"]
    error = await fails(client, "egoi_delete_contacts", **{**again, "confirm": value})
    assert error.startswith("INVALID_ARGUMENT confirm: expected a JSON boolean (true or false)"), error
    assert await _exists(client, contact_id)


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize("answer", ["true", 1])
async def test_an_elicitation_answer_must_be_a_json_boolean(server: EgoiServer, mode: str, answer: object) -> None:
    async def on_elicit(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"confirm": answer})  # type: ignore[dict-item]

    async with Client(server.mcp, mode=mode, elicitation_callback=on_elicit) as client:
        contact_id = await _contact(client, f"answer-{mode}-{answer}@example.com")
        again = (await call(client, "egoi_delete_contacts", contact_ids=[contact_id], list_id=1))["call_again_with"]
        result = await client.call_tool("egoi_delete_contacts", again)
        assert result.is_error or (result.structured_content or {}).get("status") != "done"
        assert await _exists(client, contact_id)


# --- 9.8f the same missing contact, the same code -----------------------------------------------------------------


async def test_delete_preview_and_confirmed_delete_agree_on_a_missing_contact(client: Client) -> None:
    contact_id = await _contact(client, "gone@example.com")
    again = (await call(client, "egoi_delete_contacts", contact_ids=[contact_id], list_id=1))["call_again_with"]
    assert (await call(client, "egoi_delete_contacts", **again))["status"] == "done"
    preview_error = await fails(client, "egoi_delete_contacts", contact_ids=[contact_id], list_id=1)
    assert preview_error.removeprefix("Error executing tool egoi_delete_contacts: ").startswith("SUBSCRIBER_NOT_FOUND")
    replay = await call(client, "egoi_delete_contacts", **again)  # the token acted once: its outcome, not an act
    assert replay["status"] == "done" and replay["summary"].startswith("Already done at ")


# --- 9.4 bounded results ------------------------------------------------------------------------------------------


async def _big_deliveries(server: EgoiServer, n: int) -> None:
    for i in range(n):
        body = {"action": "email_open", "list_id": 1, "email": f"big{i}@example.com", "pad": "x" * 250_000}
        raw = httpx.Request("POST", "http://x", json=body).content
        await server.current().store.add(raw, parse_delivery(raw, "application/json"))


async def test_three_250_kb_deliveries_keep_the_default_event_page_small(client: Client, server: EgoiServer) -> None:
    await _big_deliveries(server, 3)
    result = await client.call_tool("egoi_list_events", {})
    text = result.content[0].text
    assert not result.is_error and len(text.encode()) < 16 * 1024, len(text)
    assert [e.get("payload") for e in result.structured_content["items"]] == [None, None, None]


async def test_a_page_over_the_bound_ends_early_and_says_so(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    assert sandbox is not None
    big = sandbox.add_list("Big", "Big")
    for i in range(40):  # 8 KiB a name once cut, two names: 40 of them pass the 256 KiB bound
        sandbox.add_contact(big.list_id, {"email": f"big{i}@example.com", "first_name": "x" * 20_000,
                                          "last_name": "y" * 20_000})  # fmt: skip
    result = await client.call_tool("egoi_list_contacts", {"list_id": big.list_id, "limit": 40})
    data = result.structured_content
    assert len(result.content[0].text.encode()) <= MAX_RESULT_BYTES
    assert 0 < len(data["items"]) < 40 and data["next_cursor"] and "256 KiB" in data["note"]
    assert "[cut:" in data["items"][0]["first_name"], "a long field is cut with a marker"
    rest = await call(client, "egoi_list_contacts", list_id=big.list_id, limit=40, cursor=data["next_cursor"])
    assert len(data["items"]) + len(rest["items"]) <= 40


async def test_event_resources_are_bounded(client: Client, server: EgoiServer) -> None:
    await _big_deliveries(server, 5)
    recent = await client.read_resource("egoi://events/recent")
    assert len(recent.contents[0].text.encode()) < 16 * 1024
    one = json.loads(recent.contents[0].text)[0]
    full = await client.read_resource(f"egoi://event/{one['id']}")
    assert len(full.contents[0].text.encode()) <= MAX_RESULT_BYTES and "x" * 1000 in full.contents[0].text


# --- 11.1 / 11.2 strict-mode schemas, nulls, compact text -----------------------------------------------------------


async def _required_arguments(client: Client) -> dict[str, dict[str, Any]]:
    contact_id = await _contact(client, "strict-mode@example.com")
    campaign = (await call(client, "egoi_list_campaigns", list_id=1))["items"][0]["id"]
    segment = (await call(client, "egoi_list_segments", list_id=1))["items"][0]["id"]
    draft = (await call(client, "egoi_list_campaigns", list_id=1, status="draft"))["items"][0]["id"]
    job = (await call(client, "egoi_export_contacts", list_id=1))["job_id"]
    return {
        "egoi_create_contact": {"email": "nulls@example.com"},
        "egoi_get_contact": {"contact_id": contact_id},
        "egoi_search_contacts": {"query": "example.com"},
        "egoi_update_contacts": {"contact_ids": [contact_id], "first_name": "Strict"},
        "egoi_delete_contacts": {"contact_ids": [contact_id]},
        "egoi_create_list": {"name": "Strict"},
        "egoi_delete_list": {"list_id": 1},
        "egoi_create_tag": {"name": "strict-tag"},
        "egoi_delete_tag": {"tag_id": 1},
        "egoi_attach_tag": {"tag": "strict-tag", "contact_ids": [contact_id]},
        "egoi_detach_tag": {"tag": "strict-tag", "contact_ids": [contact_id]},
        "egoi_send_email_to_contact": {"campaign_id": campaign, "contact_id": contact_id},
        "egoi_send_email_to_segment": {"campaign_id": campaign, "segment_id": segment},
        "egoi_register_webhook": {"list_id": 1},
        "egoi_get_campaign_report": {"campaign_id": campaign},
        "egoi_get_contact_activity": {"contact_id": contact_id},
        "egoi_cancel_send": {"campaign_id": campaign},
        "egoi_delete_webhook": {"webhook_id": 1},
        "egoi_create_email_campaign": {
            "list_id": 1,
            "subject": "Strict",
            "sender": "news@acme.example",
            "html": "<p>Hi</p>",
        },
        "egoi_update_email_campaign": {"campaign_id": draft, "subject": "Strict again"},
        "egoi_create_sms_campaign": {"list_id": 1, "sender": "351-300404336", "text": "Strict"},
        "egoi_get_campaign": {"campaign_id": campaign},
        "egoi_call_tool": {"name": "egoi_delete_tag", "arguments": '{"tag_id": 1}'},  # a preview, like the tool's own
        "egoi_import_contacts": {"list_id": 1, "csv": "email\nstrict1@example.com\nstrict2@example.com\n"},
        "egoi_export_contacts": {"list_id": 1},
        "egoi_get_job": {"job_id": job},
        "egoi_cancel_job": {"job_id": job},
        "egoi_request_report": {"kind": "sends", "list_id": 1, "start": "2026-01-01", "end": "2026-01-31"},
    }


async def test_every_tool_survives_strict_mode_conversion_and_its_nulls(client: Client) -> None:
    required = await _required_arguments(client)
    for tool in await every_tool(client):
        strict = ensure_strict_json_schema(copy.deepcopy(tool.input_schema))
        given = required.get(tool.name, {})
        optional = [name for name in strict["properties"] if name not in given]
        assert set(strict["required"]) == set(strict["properties"]), tool.name
        arguments = {**given, **dict.fromkeys(optional)}  # what a strict model sends for "leave it out"
        jsonschema.validate(arguments, strict)  # null is a valid value of every optional parameter
        result = await client.call_tool(tool.name, arguments)
        text = result.content[0].text
        assert not result.is_error, f"{tool.name}: {text}"
        assert text == json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False)
        if tool.annotations and tool.annotations.destructive_hint:
            status = result.structured_content["status"]
            assert status in ("confirmation_required", "nothing_to_do"), tool.name


async def test_null_means_omitted(client: Client) -> None:
    with_nulls = await call(client, "egoi_list_lists", limit=None, cursor=None)
    assert with_nulls == await call(client, "egoi_list_lists")
    contact = await call(client, "egoi_create_contact", email="null-name@example.com", first_name=None, list_id=1)
    assert "first_name" not in contact, "null is not stored as an empty name"


async def test_output_schemas_are_portable(client: Client) -> None:
    def walk(schema: Any, where: str) -> None:
        if isinstance(schema, dict):
            assert not isinstance(schema.get("type"), list), f"array-form type at {where}"
            for named in ("properties", "patternProperties"):
                for name, sub in schema.get(named, {}).items():
                    assert "type" in sub or "anyOf" in sub or "enum" in sub, f"untyped {where}.{name}"
            for key, value in schema.items():
                walk(value, f"{where}.{key}")
        elif isinstance(schema, list):
            for item in schema:
                walk(item, where)

    for tool in await every_tool(client):
        walk(tool.output_schema, tool.name)


async def test_list_methods_carry_cache_hints(tmp_path: Path) -> None:
    static = build_server(make_settings(tmp_path, toolsets=["all"]))
    async with Client(static.mcp) as client:
        listed = await client.list_tools()
    assert (listed.ttl_ms or 0) > 0
    dynamic = build_server(make_settings(tmp_path))  # the list changes with egoi_find_tools: no cache
    async with Client(dynamic.mcp) as client:
        assert not (await client.list_tools()).ttl_ms


# --- 11.3 readable argument errors -----------------------------------------------------------------------------------


async def test_argument_errors_are_one_line_each_with_a_code(client: Client) -> None:
    text = await fails(client, "egoi_search_contacts", query="a", limit=1000, cursor=5)
    lines = text.splitlines()
    assert len(lines) == 2, text
    assert lines[0].startswith("INVALID_ARGUMENT limit: ") and "100" in lines[0]
    assert lines[1].startswith("INVALID_ARGUMENT cursor: ") and "next_cursor" in lines[1]
    missing = await fails(client, "egoi_get_contact")
    assert missing.startswith("MISSING_ARGUMENT contact_id: required") and "egoi_search_contacts" in missing
    assert "pydantic" not in text + missing


# --- 11.4 descriptions that hold in every mode ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize(
    "overrides", [{"read_only": True}, {"toolsets": ["events"]}, {"toolsets": ["campaigns"], "read_only": True}]
)
async def test_instructions_and_descriptions_name_only_registered_tools(
    tmp_path: Path, mode: str, overrides: dict[str, Any]
) -> None:
    import re

    built = build_server(make_settings(tmp_path, **overrides))
    async with Client(built.mcp, mode=mode) as client:
        tools = await every_tool(client)
    names = {t.name for t in tools}
    texts = [built.mcp.instructions or ""] + [t.description or "" for t in tools]
    for text in texts:
        assert set(re.findall(r"\begoi_[a-z_]+\b", text)) <= names, text
    if overrides.get("read_only"):
        assert "Destructive" not in (built.mcp.instructions or "")


async def test_update_contacts_is_marked_destructive(client: Client) -> None:
    tool = next(t for t in await every_tool(client) if t.name == "egoi_update_contacts")
    assert tool.annotations and tool.annotations.destructive_hint
    assert "confirm" in tool.input_schema["properties"]


# --- 9.9a one webhook per list and URL -------------------------------------------------------------------------------


async def test_registering_the_same_webhook_twice_returns_the_first(client: Client, server: EgoiServer) -> None:
    first = await call(client, "egoi_register_webhook", list_id=1)
    second = await call(client, "egoi_register_webhook", list_id=1)
    assert first["id"] == second["id"]
    hooks = server.current().sandbox.webhooks.values()  # what E-goi holds
    assert len([h for h in hooks if h.list_id == 1 and h.url.endswith(server.webhook_secret)]) == 1


async def test_a_spent_sandbox_budget_says_what_resets_it(client: Client, server: EgoiServer) -> None:
    """On --sandbox, raising EGOI_RATE_LIMIT_PER_HOUR changes nothing: the answer says what does (a restart)."""
    budget = server.current().sandbox.budget
    budget.used = budget.limit  # the sandbox's own 5,000 calls this hour are spent
    message = await fails(client, "egoi_list_lists")
    assert "RATE_LIMITED" in message and "restart" in message.lower() and "5,000" in message
    assert "raise EGOI_RATE_LIMIT_PER_HOUR" not in message


async def test_the_sandbox_limiter_advises_a_restart(client: Client, server: EgoiServer) -> None:
    limiter = server.current().client.limiter
    assert "restart egoi-mcp --sandbox" in limiter.advice
