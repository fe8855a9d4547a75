"""The error mapping end to end: a real E-goi client against E-goi's error answers (mocked below its transport),
and the mapping's edge cases (the mapping itself is test_errors.py's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from egoi_mcp.client import EGoiClient
from egoi_mcp.client._errors import error_from_response
from egoi_mcp.errors import (
    AuthError,
    ConflictError,
    EGoiError,
    InvalidArgumentError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    UpstreamError,
    ValidationError,
)
from egoi_mcp.ratelimit import RateLimiter
from egoi_mcp.redact import register_secret
from tests.egoi_problems import API_KEY, BASE, CONTACT, TLS, assert_no_key, problem, response

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _key_is_a_secret() -> None:
    register_secret(API_KEY)  # what EGoiClient does with its key; the mapper scrubs every registered secret


# -- the same mapping, end to end through the client ---------------------------------------------------------


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def client():
    limiter = RateLimiter(per_hour=100_000, max_wait=0.5)
    async with EGoiClient(
        api_key=API_KEY,
        limiter=limiter,
        retry_backoff=0,
        max_retries=1,
        transport=httpx.AsyncHTTPTransport(verify=TLS),
    ) as c:
        yield c


@pytest.mark.parametrize("status", [401, 403])
async def test_client_auth_error(api, client: EGoiClient, status: int) -> None:
    route = api.get("/lists").respond(status, json=problem(status, "Forbidden"))
    with pytest.raises(AuthError) as info:
        await client.get_lists()
    assert "EGOI_API_KEY" in info.value.message
    assert route.call_count == 1  # a bad key is not retried
    assert_no_key(info.value)


async def test_client_not_found_codes(api, client: EGoiClient) -> None:
    nf = problem(404, "The requested resource does not exist")
    api.get(f"/lists/3/contacts/{CONTACT}").respond(404, json=nf)
    api.get("/lists/99/contacts").respond(404, json=nf)
    api.get("/lists/3/contacts/segment/seg_9").respond(404, json=nf)
    api.delete("/lists/99").respond(404, json=nf)
    api.delete("/tags/77").respond(404, json=nf)
    api.delete("/webhooks/5").respond(404, json=nf)
    campaign = {"campaign_hash": "nohash", "internal_name": "Gone since", "list_id": 3}
    api.get("/campaigns").respond(200, json={"total_items": 1, "items": [campaign]})  # the send's plan reads it
    api.post("/campaigns/email/nohash/actions/send").respond(404, json=nf)

    async def code_of(call) -> str:
        with pytest.raises(NotFoundError) as info:
            await call
        return info.value.code

    assert await code_of(client.get_contact(CONTACT, list_id=3)) == "SUBSCRIBER_NOT_FOUND"
    assert await code_of(client.list_contacts(99)) == "LIST_NOT_FOUND"
    assert await code_of(client.list_contacts(3, segment_id="seg_9")) == "SEGMENT_NOT_FOUND"
    assert await code_of(client.delete_list(99)) == "LIST_NOT_FOUND"
    assert await code_of(client.delete_tag(77)) == "TAG_NOT_FOUND"
    assert await code_of(client.delete_webhook(5)) == "WEBHOOK_NOT_FOUND"
    assert await code_of(client.send_email_to_segment("nohash", "seg_1", list_id=3)) == "CAMPAIGN_NOT_FOUND"
    assert len(api.calls) == 8  # 404s are answers, not retried


async def test_client_duplicate_contact(api, client: EGoiClient) -> None:
    body = problem(
        409,
        "Conflict",
        {"unique_field_in_use": "A unique field is already being used", "field_id": "email", "contacts": [CONTACT]},
    )
    route = api.post("/lists/3/contacts").respond(409, json=body)
    with pytest.raises(ConflictError) as info:
        await client.create_contact("john@example.com", list_id=3)
    assert info.value.code == "EMAIL_ALREADY_EXISTS"
    assert info.value.existing_id == CONTACT
    assert route.call_count == 1


async def test_client_list_limit(api, client: EGoiClient) -> None:
    body = problem(409, "Conflict", {"list_limit_reached": "The maximum number of allowed lists was reached"})
    api.post("/lists").respond(409, json=body)
    with pytest.raises(ConflictError) as info:
        await client.create_list("Newsletter")
    assert info.value.code == "NO_MORE_LISTS_ALLOWED"


async def test_client_duplicate_tag(api, client: EGoiClient) -> None:
    api.post("/tags").respond(409, json=problem(409, "Conflict", {"name_already_exists": "Name already exists"}))
    with pytest.raises(ConflictError) as info:
        await client.create_tag("vip")
    assert info.value.code == "TAG_ALREADY_EXISTS"
    assert "vip" in info.value.message


async def test_client_422_echoing_the_key_is_redacted(api, client: EGoiClient) -> None:
    body = problem(
        422,
        f"Request with Apikey {API_KEY} failed validation",
        {"email": f"invalid for account key {API_KEY}", API_KEY: "unexpected"},
    )
    api.post("/lists/3/contacts").respond(422, json=body)
    with pytest.raises(ValidationError) as info:
        await client.create_contact("john@example.com", list_id=3)
    assert info.value.code == "EMAIL_ADDRESS_INVALID"
    assert_no_key(info.value)


async def test_client_429_has_reset_at(api, client: EGoiClient) -> None:
    api.get("/tags").respond(
        429, json=problem(429, "Too many requests"), headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3600"}
    )
    with pytest.raises(RateLimitError) as info:
        await client.list_tags()
    assert info.value.reset_at is not None
    assert info.value.reset_at > datetime.now(UTC) + timedelta(minutes=59)


@pytest.mark.parametrize("status", [500, 503])
async def test_client_5xx_is_upstream_error(api, client: EGoiClient, status: int) -> None:
    route = api.get("/campaigns").respond(status, json=problem(status, "Internal error"))
    with pytest.raises(UpstreamError) as info:
        await client.campaign_list()
    assert info.value.status == status
    assert route.call_count == 2  # max_retries=1


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("timed out"),
        httpx.ConnectTimeout("timed out"),
        httpx.ConnectError(f"failed to connect with Apikey {API_KEY}"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
async def test_client_network_errors(api, client: EGoiClient, exc: Exception) -> None:
    api.get("/lists").mock(side_effect=exc)
    with pytest.raises(NetworkError) as info:
        await client.get_lists()
    assert info.value.code == "NETWORK_ERROR"
    assert_no_key(info.value)


async def test_client_html_error_page(api, client: EGoiClient) -> None:
    html = "<!DOCTYPE html><html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
    api.get("/lists").respond(503, text=html, headers={"Content-Type": "text/html"})
    with pytest.raises(UpstreamError) as info:
        await client.get_lists()
    assert info.value.status == 503
    assert "<html>" not in info.value.message


@pytest.mark.parametrize(
    "content",
    ["<html><body>Maintenance</body></html>", '{"total_items": 3, "items": [', "", "[]", '"ok"', "null"],
)
async def test_client_unreadable_200_is_upstream_error(api, client: EGoiClient, content: str) -> None:
    route = api.get("/lists").respond(200, content=content.encode())
    with pytest.raises(UpstreamError) as info:
        await client.get_lists()
    assert_no_key(info.value)
    assert route.call_count == 1  # a 200 is an answer: not retried, even when unreadable


async def test_client_items_of_the_wrong_type_are_skipped(api, client: EGoiClient) -> None:
    api.get("/lists").respond(200, json={"total_items": 2, "items": "nope"})
    page = await client.get_lists()
    assert page.items == []
    assert page.next_cursor is None


async def test_client_wrong_shapes_on_201_and_200(api, client: EGoiClient) -> None:
    api.post("/lists/3/contacts").respond(201, json={"result": "success"})
    api.post("/lists").respond(201, json={"internal_name": "no id"})
    api.get(f"/lists/3/contacts/{CONTACT}").respond(200, content=b"not json")
    api.post("/tags").respond(201, content=b"")
    with pytest.raises(UpstreamError):
        await client.create_contact("john@example.com", list_id=3)
    with pytest.raises(UpstreamError):
        await client.create_list("Newsletter")
    with pytest.raises(UpstreamError):
        await client.get_contact(CONTACT, list_id=3)
    with pytest.raises(UpstreamError):
        await client.create_tag("vip")


async def test_client_unexpected_search_shapes_are_upstream_errors(api, client: EGoiClient) -> None:
    route = api.get("/contacts/search")
    route.respond(200, json=[{"contact_id": CONTACT, "list_id": 1}])
    with pytest.raises(UpstreamError):
        await client.find_contact("john@example.com")
    route.respond(200, json={"items": [{"contact_id": CONTACT}]})  # no list_id
    with pytest.raises(UpstreamError):
        await client.find_contact("john@example.com")


def test_missing_api_key_is_refused_up_front() -> None:
    for key in (None, ""):
        with pytest.raises(InvalidArgumentError) as info:
            EGoiClient(api_key=key)
        assert info.value.code == "NO_ACCESS"
        assert "EGOI_API_KEY" in info.value.message


async def test_client_repr_and_request_errors_hide_the_key(api) -> None:
    async with EGoiClient(api_key=API_KEY, transport=httpx.AsyncHTTPTransport(verify=TLS)) as c:
        assert API_KEY not in repr(c)
        assert API_KEY not in str(c)


@pytest.mark.parametrize(
    ("field", "message", "code"),
    [
        ("list_id", "List not found", "LIST_NOT_FOUND"),
        ("campaign_hash", "No e-mail campaign has this hash", "CAMPAIGN_NOT_FOUND"),
        ("segment_id", "Segment does not exist", "SEGMENT_NOT_FOUND"),
        ("tag_id", "Tag not found", "TAG_NOT_FOUND"),
        ("contacts", "Contact not found", "SUBSCRIBER_NOT_FOUND"),
        ("list_id", "Must be an integer", "VALIDATION_ERROR"),
    ],
)
def test_unknown_ids_reported_as_field_errors_get_their_not_found_code(field: str, message: str, code: str) -> None:
    """E-goi documents no 404 for several writes (create contact, send, forget...): the 422 names the field."""
    response = httpx.Response(422, json=problem(422, "Unprocessable", {field: message}))
    error = error_from_response(response)
    assert isinstance(error, ValidationError)
    assert error.code == code and message in error.message


def test_a_unique_cellphone_conflict_does_not_claim_an_email_clash() -> None:
    body = problem(409, "Conflict", {"unique_field_in_use": "in use", "field_id": "cellphone", "contacts": [CONTACT]})
    error = error_from_response(httpx.Response(409, json=body))
    assert isinstance(error, ConflictError)
    assert error.code == "CONFLICT" and "cellphone" in error.message and "e-mail" not in error.message
    assert error.existing_id == CONTACT


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
_JSON = st.recursive(
    _SCALARS | st.text(max_size=20) | st.just(API_KEY),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12) | st.just(API_KEY), inner, max_size=4)
    ),
    max_leaves=12,
)
_ERRORS = st.dictionaries(
    st.sampled_from(["unique_field_in_use", "field_id", "contacts", "name_already_exists", "email", "list_id", "x"]),
    _JSON,
    max_size=4,
)


@given(st.sampled_from([400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 503]), _ERRORS, _JSON)
def test_any_error_body_maps_without_crashing_or_leaking_the_key(status: int, errors: dict, detail: object) -> None:
    """Issue 9.8b in general: whatever shape E-goi's `errors` has, the mapper answers, and never with the key."""
    register_secret(API_KEY)
    body = {"title": "Error", "status": status, "detail": detail, "errors": errors}
    error = error_from_response(response(status, body))
    assert isinstance(error, EGoiError) and error.status == status
    assert_no_key(error)
    assert API_KEY not in str(getattr(error, "existing_id", "") or "")
