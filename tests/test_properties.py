"""Property tests: whatever an assistant or the internet sends, the server answers and stores nothing bad.

1. Random arguments (right and wrong types, unicode, huge numbers and strings) to a handful of tools, through a
   real MCP client on the sandbox, in both eras: every result is a normal result or an `isError` with a message
   (never a protocol crash, never the SDK's bare "Error executing tool X" of an unexpected exception), and the
   sandbox account never holds garbage afterwards (invalid e-mails, unknown lists or tags, blank names, phones
   not in E-goi's format).
2. Random webhook bodies (bytes, JSON, forms, near-E-goi shapes; assorted content types; sometimes a wrong
   secret) posted to the receiver through the real Starlette app: never a 5xx; a refused body stores nothing;
   an accepted one stores exactly one well-formed event (or is recognised as a repeat).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx2
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from mcp import Client

from egoi_mcp.server import EgoiServer, build_app, build_server
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WEBHOOK_FUZZ = settings(FUZZ, max_examples=100)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\d{1,3}-\d{4,20}$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
TRIGGERS = {
    "new_subscriber", "new_unsubscriber", "email_opened", "email_clicked", "email_hard_bounced",
    "email_soft_bounced", "email_sent", "other",
}  # fmt: skip

# --- strategies -----------------------------------------------------------------------------------------------------

huge_int = st.integers(min_value=-(2**70), max_value=2**70)
small_int = st.integers(min_value=-3, max_value=5)
texts = st.text(max_size=60) | st.text(min_size=200, max_size=2000)
junk = st.one_of(
    st.none(), st.booleans(), huge_int, st.floats(allow_nan=False, allow_infinity=False), texts,
    st.lists(st.text(max_size=10) | small_int, max_size=4),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)  # fmt: skip


def arg(typed: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right type (so that the tool runs its code), sometimes anything at all."""
    return st.integers(min_value=0, max_value=7).flatmap(lambda i: junk if i == 0 else typed)


def mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any], odds: int = 3) -> st.SearchStrategy[Any]:
    """`usual`, and one time in `odds + 1` `odd` (st.one_of would weigh them evenly)."""
    return st.integers(min_value=0, max_value=odds).flatmap(lambda i: odd if i == 0 else usual)


def _seed_contacts() -> dict[int, list[str]]:
    """The sandbox's demo contacts are deterministic: their ids, by list, so that updates hit real contacts."""
    from egoi_mcp.sandbox import create_app

    found: dict[int, list[str]] = {}
    for contact in create_app().state.sandbox.contacts.values():
        found.setdefault(contact.list_id, []).append(contact.contact_id)
    return found


SEED = _seed_contacts()
list_id = arg(
    st.integers(min_value=0, max_value=5).flatmap(lambda i: (small_int | huge_int) if i == 0 else st.just(min(i, 3)))
)
emails = st.one_of(
    st.emails(), st.emails(), st.emails().map(lambda e: f"  {e.upper()} "), texts,
    st.from_regex(r"[a-zA-Z0-9._%+-]{0,10}@[a-z]{0,8}(\.[a-z]{0,4})?", fullmatch=True),
)  # fmt: skip
phones = st.one_of(
    st.from_regex(r"\+(351|1|44|7|86|999) ?9[0-9]{2} ?[0-9]{3} ?[0-9]{3}", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}-[0-9]{4,12}", fullmatch=True),
    st.from_regex(r"(\+|00)?[0-9 ().-]{0,26}", fullmatch=True),
    texts,
)
names = texts | st.sampled_from(["", " ", "\t", "\u200b", "Ana 👩‍💻", "Zoë \x00 null", "a" * 300, "O'Brien; DROP"])
tag_names = st.sampled_from(["vip", "VIP", " vip ", "new-signup", "fuzz-a", "fuzz-b", "ção", "🏷️", "a" * 99]) | st.text(
    max_size=30
)
tag_refs = st.lists(tag_names | st.integers(min_value=0, max_value=2**40).map(str) | huge_int, max_size=4)
hex_ids = st.from_regex(r"[0-9a-f]{10}", fullmatch=True)
known_ids = st.sampled_from(SEED[1])

TOOL_ARGS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "egoi_create_contact": st.fixed_dictionaries(
        {"email": arg(emails)},
        optional={
            "first_name": arg(names),
            "last_name": arg(names),
            "phone": arg(phones),
            "list_id": list_id,
            "tags": arg(tag_refs),
        },
    ),
    "egoi_update_contacts": st.fixed_dictionaries(
        {
            "contact_ids": arg(
                mostly(st.lists(known_ids, min_size=1, max_size=4), st.lists(hex_ids | texts, max_size=3))
            ),
            "list_id": arg(mostly(st.just(1), small_int)),
            "last_name": arg(names),
        },
        optional={
            "first_name": arg(names),
            "email": arg(emails),
            "phone": arg(phones),
            "status": arg(st.sampled_from(["active", "inactive", "removed", "unconfirmed"])),
        },
    ),
    "egoi_search_contacts": st.fixed_dictionaries(
        {
            "query": arg(
                emails | phones | names | st.sampled_from(["ana.silva@example.com", "Ana Silva", "+351912345678"])
            )
        },
        optional={"list_id": list_id, "limit": arg(small_int | huge_int), "cursor": arg(texts)},
    ),
    "egoi_get_contact": st.fixed_dictionaries(
        {"contact_id": arg(mostly(known_ids, hex_ids | texts)), "list_id": arg(mostly(st.just(1), list_id))}
    ),
    "egoi_create_tag": st.fixed_dictionaries(
        {"name": arg(tag_names | names)},
        optional={"color": arg(st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True) | texts)},
    ),
    "egoi_create_list": st.fixed_dictionaries({"name": arg(names)}, optional={"description": arg(names)}),
    "egoi_list_events": st.fixed_dictionaries(
        {},
        optional={
            "trigger": arg(st.sampled_from(sorted(TRIGGERS)) | texts),
            "list_id": list_id,
            "contact_id": arg(hex_ids | texts),
            "email": arg(emails),
            "since": arg(st.datetimes().map(lambda d: d.isoformat()) | texts),
            "after": arg(st.integers(min_value=-5, max_value=2**70).map(str) | texts),
            "limit": arg(small_int | huge_int),
            "cursor": arg(texts),
        },
    ),
}


# --- the MCP side ---------------------------------------------------------------------------------------------------


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[EgoiServer]:
    yield build_server(make_settings(tmp_path, log_level="WARNING"))


@pytest.fixture(params=["auto", "legacy"])
async def client(request: pytest.FixtureRequest, server: EgoiServer) -> AsyncIterator[Client]:
    async with Client(server.mcp, mode=request.param) as c:
        yield c


def assert_no_garbage(server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    for record in sandbox.lists.values():
        assert record.internal_name.strip(), f"a list with a blank name: {record!r}"
    for tag in sandbox.tags.values():
        assert tag.name.strip() and tag.name == tag.name.strip(), f"a blank or padded tag name: {tag.name!r}"
        assert COLOR.match(tag.color or "#000000"), f"a tag color E-goi would not take: {tag.color!r}"
    for contact in sandbox.contacts.values():
        assert contact.list_id in sandbox.lists, f"a contact in a list that does not exist: {contact!r}"
        assert not contact.email or EMAIL.match(contact.email), f"an invalid e-mail was stored: {contact.email!r}"
        assert not contact.cellphone or PHONE.match(contact.cellphone), f"a malformed phone: {contact.cellphone!r}"
        assert contact.tags <= set(sandbox.tags), f"a contact tagged with unknown tags: {contact.tags}"


def assert_answered(tool: str, result: Any) -> None:
    text = "".join(getattr(c, "text", "") for c in result.content)
    if result.is_error:
        assert text.strip(), f"{tool}: an error without a message"
        assert text.strip() != f"Error executing tool {tool}", f"{tool}: an unexpected exception escaped"
    else:
        assert result.structured_content is not None, f"{tool}: a result without structured content"
        assert json.loads(text) == result.structured_content, f"{tool}: text and structured content differ"


def _fuzz_tool(tool: str) -> Any:
    """One property test per tool: the arguments are generated before the coroutine runs (drawing inside an async
    test with `st.data()` does not mix with the anyio runner)."""

    @FUZZ
    @given(arguments=TOOL_ARGS[tool])
    async def test(server: EgoiServer, client: Client, arguments: dict[str, Any]) -> None:
        result = await client.call_tool(tool, arguments)
        event(f"is_error={result.is_error}")
        assert_answered(tool, result)
        # ... and the server still serves.
        assert not (await client.call_tool("egoi_list_lists", {"limit": 1})).is_error
        assert_no_garbage(server)

    test.__name__ = test.__qualname__ = f"test_random_arguments_to_{tool}_never_crash_or_store_garbage"
    return test


for _tool in TOOL_ARGS:
    globals()[f"test_random_arguments_to_{_tool}_never_crash_or_store_garbage"] = _fuzz_tool(_tool)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


async def test_control_characters_are_not_stored(server: EgoiServer, client: Client) -> None:
    await client.call_tool("egoi_create_list", {"name": "\x00\x01"})
    await client.call_tool("egoi_create_tag", {"name": "bell\x07"})
    await client.call_tool("egoi_create_contact", {"email": "ctl@example.com", "first_name": "Zo\x00e", "list_id": 1})
    sandbox = server.current().sandbox
    stored = [
        *(value for record in sandbox.lists.values() for value in (record.internal_name, record.public_name)),
        *(tag.name for tag in sandbox.tags.values()),
        *(value for c in sandbox.contacts.values() for value in (c.email, c.first_name, c.last_name)),
    ]
    assert not [value for value in stored if CONTROL.search(value)]


# --- the webhook side -----------------------------------------------------------------------------------------------

SECRET = "test-webhook-secret"  # make_settings' secret
CONTENT_TYPES = [
    None, "application/json", "application/x-www-form-urlencoded", "text/plain", "application/octet-stream",
    "application/json; charset=utf-8", "application/json; charset=latin-1", "application/json; charset=utf-16",
    "application/json; charset=bogus-9", "multipart/form-data; boundary=xyz", "application/vnd.api+json",
]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | huge_int | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
egoi_like = st.fixed_dictionaries(
    {},
    optional={
        "action": st.sampled_from(["subscription", "unsubscribe", "email_open", "email_click", "email_hard_bounce",
                                   "email_soft_bounce", "email_send", "Opened Email", "whatever"]) | junk,
        "list_id": junk | small_int, "contact_id": junk | hex_ids, "email": junk | st.emails(),
        "campaign_hash": junk, "event_date": junk | st.datetimes().map(str), "delivery_id": junk,
        "contact": st.dictionaries(st.sampled_from(["email", "contact_id", "base"]), json_values, max_size=3),
        "data": json_values,
    },
)  # fmt: skip
bodies = st.one_of(
    st.binary(max_size=600),
    json_values.map(lambda v: json.dumps(v).encode()),
    egoi_like.map(lambda v: json.dumps(v).encode()),
    egoi_like.map(lambda v: urlencode({k: json.dumps(x) if not isinstance(x, str) else x for k, x in v.items()})).map(
        str.encode
    ),
    st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=6).map(lambda p: urlencode(p).encode()),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@pytest.fixture
async def receiver(tmp_path: Path) -> AsyncIterator[tuple[EgoiServer, httpx2.AsyncClient]]:
    server = build_server(make_settings(tmp_path, transport="http", log_level="WARNING"))
    app = build_app(server)
    async with app.router.lifespan_context(app):  # its exit closes the server
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
            yield server, http


@WEBHOOK_FUZZ
@given(
    body=bodies,
    content_type=st.sampled_from(CONTENT_TYPES),
    path=st.sampled_from([f"/webhooks/egoi/{SECRET}"] * 6 + [f"/webhooks/egoi?k={SECRET}", "/webhooks/egoi/wrong"]),
)
@example(body=b"", content_type="application/json", path=f"/webhooks/egoi/{SECRET}")
@example(body=b'{"action": "subscription", "contact_id": 1e999}', content_type=None, path=f"/webhooks/egoi/{SECRET}")
@example(body=b'{"a": "\\ud800"}', content_type="application/json", path=f"/webhooks/egoi/{SECRET}")
@example(body=b"[" * 5000 + b"]" * 5000, content_type="application/json", path=f"/webhooks/egoi/{SECRET}")
@example(body=b"x" * (256 * 1024 + 1), content_type="application/json", path=f"/webhooks/egoi/{SECRET}")
@example(body=b"action=email_open&contact[base][email]=a@b.co", content_type=None, path=f"/webhooks/egoi/{SECRET}")
async def test_random_webhook_bodies_never_5xx_and_refusals_store_nothing(
    receiver: tuple[EgoiServer, httpx2.AsyncClient], body: bytes, content_type: str | None, path: str
) -> None:
    server, http = receiver
    store = server.current().store
    before = (await store.page(limit=1)).total
    headers = {"Content-Type": content_type} if content_type else {}
    response = await http.post(path, content=body, headers=headers)
    after = (await store.page(limit=1)).total
    assert response.status_code < 500, (response.status_code, response.text)
    if path.endswith("/wrong"):
        assert response.status_code == 404
    if response.status_code != 200:
        assert response.status_code in (400, 404, 413, 415), response.status_code
        assert after == before, "a refused delivery stored something"
        return
    answer = response.json()
    assert answer["ok"] is True
    assert after == before + (0 if answer["duplicate"] else 1)
    event = await store.get(answer["event_id"])
    assert event is not None
    assert event.trigger in TRIGGERS
    assert isinstance(event.payload, dict)
    json.dumps(event.model_dump(mode="json"))  # whatever came in, what is stored can be served as JSON
