"""Contacts' own fields by name through the MCP tools on the sandbox, in both eras: list a list's fields, create
a contact with fields and read them back by name, create-or-update in one E-goi call, and refusals."""

from __future__ import annotations

import pytest
from mcp import Client

from egoi_mcp.server import EgoiServer
from tests.conftest import call, fails

pytestmark = pytest.mark.anyio


async def test_list_fields(client: Client) -> None:
    page = await call(client, "egoi_list_fields", list_id=1)
    extra = {f["name"]: f for f in page["items"] if f["type"] == "extra"}
    assert set(extra) == {"city", "plan", "renewal_date", "score"}
    assert extra["plan"]["options"] == ["Bronze", "Silver", "Gold"] and extra["plan"]["format"] == "options"
    assert {f["name"] for f in page["items"] if f["type"] == "base"} >= {"email", "first_name"}


async def test_fields_by_name_and_create_or_update(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    made = await call(
        client, "egoi_create_contact", email="rita@example.com", list_id=1, fields={"city": "Lisboa", "plan": "Gold"}
    )
    read = await call(client, "egoi_get_contact", contact_id=made["id"], list_id=1)
    assert read["fields"] == {"city": "Lisboa", "plan": "Gold"}

    error = await fails(client, "egoi_create_contact", email="rita@example.com", list_id=1)
    assert "EMAIL_ALREADY_EXISTS: " in error and made["id"] in error and "if_exists='update'" in error

    used = sandbox.budget.used
    again = await call(
        client, "egoi_create_contact", email="rita@example.com", list_id=1, first_name="Rita",
        fields={"plan": "Silver", "score": 7}, if_exists="update",
    )  # fmt: skip
    assert sandbox.budget.used - used == 1  # the field map is cached: the by-field call alone
    assert again["id"] == made["id"]
    read = await call(client, "egoi_get_contact", contact_id=made["id"], list_id=1)
    assert read["first_name"] == "Rita" and read["fields"] == {"city": "Lisboa", "plan": "Silver", "score": "7"}


async def test_update_contacts_sets_fields(client: Client, server: EgoiServer) -> None:
    sandbox = server.current().sandbox
    contact = next(c for c in sandbox.contacts.values() if c.list_id == 1 and c.status == "active")
    args = {"contact_ids": [contact.contact_id], "list_id": 1, "fields": {"renewal_date": "2027-01-31"}}
    preview = await call(client, "egoi_update_contacts", **args)
    assert '"renewal_date"="2027-01-31"' in preview["summary"] and not contact.extra
    done = await call(client, "egoi_update_contacts", **preview["call_again_with"])
    assert done["status"] == "done"
    read = await call(client, "egoi_get_contact", contact_id=contact.contact_id, list_id=1)
    assert read["fields"] == {"renewal_date": "2027-01-31"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"town": "Porto"}, 'FIELD_NOT_FOUND: list 1 has no field "town"; its fields are: "city", "plan"'),
        ({"first_name": 5}, "INVALID_ARGUMENT: field first_name takes text"),
        ({"plan": "Platinum"}, 'INVALID_ARGUMENT: "Platinum" is not an option of "plan": choose from "Bronze"'),
        ({"renewal_date": "soon"}, 'INVALID_ARGUMENT: "renewal_date" is a date: give YYYY-MM-DD'),
        ({"score": "lots"}, 'INVALID_ARGUMENT: "score" is a number'),
    ],
)
async def test_bad_fields_are_refused_before_any_change(
    client: Client, server: EgoiServer, fields: dict[str, object], expected: str
) -> None:
    sandbox = server.current().sandbox
    before = len(sandbox.contacts)
    error = await fails(client, "egoi_create_contact", email="new@example.com", list_id=1, fields=fields)
    assert expected in error and "\n" not in error, error
    assert len(sandbox.contacts) == before
