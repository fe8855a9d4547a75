"""The sandbox's contact listings keep each contact's encoding while nothing it shows changes (`render.contact_json`),
and are byte for byte what encoding the page afresh gives, whatever changed in between: over HTTP (PATCH, tags
attached in place, extra fields set) or in the records themselves (one instant moved to another zone, a value changed
in place)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta, timezone

import httpx
import pydantic_core
import pytest
from starlette.applications import Starlette

from egoi_mcp.sandbox import Sandbox, create_app, render

pytestmark = pytest.mark.anyio


@pytest.fixture
async def app() -> AsyncIterator[Starlette]:
    yield create_app()


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers={"Apikey": "k"}) as client:
        yield client


def afresh(sandbox: Sandbox, list_id: int) -> bytes:
    """The page as encoding it whole gives it, from the records as they are now."""
    contacts = sandbox.contacts_of(list_id)
    return pydantic_core.to_json(render.collection([render.contact(c) for c in contacts[:1000]], len(contacts)))


async def listed(http: httpx.AsyncClient, list_id: int) -> bytes:
    response = await http.get(f"/lists/{list_id}/contacts", params={"limit": 1000})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    return response.content


async def test_a_listing_is_the_page_encoded_afresh_after_every_kind_of_change(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    sandbox: Sandbox = app.state.sandbox
    first = await listed(http, 1)
    assert first == afresh(sandbox, 1) and await listed(http, 1) == first  # kept, and the same
    contact = sandbox.contacts_of(1)[0]

    patch = {"base": {"first_name": "Renamed"}}
    assert (await http.patch(f"/lists/1/contacts/{contact.contact_id}", json=patch)).status_code == 200
    tag = (await http.post("/tags", json={"name": "listed"})).json()["tag_id"]
    attach = {"tag_id": tag, "contacts": [contact.contact_id]}
    assert (await http.post("/lists/1/contacts/actions/attach-tag", json=attach)).status_code == 202
    changed = await listed(http, 1)
    assert changed == afresh(sandbox, 1) and b'"Renamed"' in changed and changed != first

    contact.subscription_date = contact.subscription_date.astimezone(timezone(timedelta(hours=5)))  # same instant
    moved = await listed(http, 1)
    assert moved == afresh(sandbox, 1) and moved != changed

    contact.tags.discard(tag)  # in place: the set is the same object
    contact.extra[999] = {"field_id": 999, "format": "text", "value": "kept?"}
    assert await listed(http, 1) == afresh(sandbox, 1)
    contact.extra[999]["value"] = "changed in place"
    assert b"changed in place" in await listed(http, 1)
    assert await listed(http, 1) == afresh(sandbox, 1)


async def test_a_segment_listing_is_the_page_encoded_afresh(app: Starlette, http: httpx.AsyncClient) -> None:
    sandbox: Sandbox = app.state.sandbox
    response = await http.get("/lists/1/contacts/segment/tag_1", params={"limit": 1000})
    members = [c for c in sandbox.contacts_of(1) if 1 in c.tags and c.status != "removed"]
    assert members and response.content == pydantic_core.to_json(
        render.collection([render.contact(c) for c in members], len(members))
    )


class _Reads:
    """A contact record that notes the name of every attribute read from it."""

    def __init__(self, record: object) -> None:
        self._record, self.names = record, set[str]()

    def __getattr__(self, name: str) -> object:
        self.names.add(name)
        return getattr(self._record, name)


async def test_the_kept_encoding_checks_every_value_the_rendering_reads(app: Starlette) -> None:
    """If `render.contact` reads a field `render._scalars` does not list, a change to that field would leave the kept
    encoding stale: so what one reads, the other checks (its tags and extra fields by value)."""
    sandbox: Sandbox = app.state.sandbox
    for record in sandbox.contacts_of(1):
        rendered, checked = _Reads(record), _Reads(record)
        render.contact(rendered)  # type: ignore[arg-type]
        render._scalars(checked)  # type: ignore[arg-type]
        assert rendered.names <= checked.names | {"tags", "extra"}, rendered.names - checked.names
