"""The error hierarchy and the one mapping from an E-goi response to it (`client._errors.error_from_response`).

Bodies follow E-goi's OpenAPI error schemas: `{type, title, status, detail[, errors]}`.
"""

from __future__ import annotations

import ssl
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

BASE = "https://api.egoiapp.com"
API_KEY = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"
CONTACT = "8f3a27ef26"
pytestmark = pytest.mark.anyio

TLS = ssl.create_default_context()  # shared: building one per client would dominate the run time
RFC = "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    408: "Request Timeout",
    409: "Conflict",
    413: "Request Entity Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def problem(status: int, detail: str = "", errors: dict | None = None) -> dict:
    body: dict = {"type": RFC, "title": TITLES.get(status, "Error"), "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def response(status: int, body: object = None, headers: dict[str, str] | None = None) -> httpx.Response:
    if isinstance(body, str | bytes):
        return httpx.Response(status, content=body, headers=headers)
    return httpx.Response(status, json=body if body is not None else problem(status), headers=headers)


def assert_no_key(error: EGoiError) -> None:
    for text in (str(error), error.message, repr(error), *map(str, error.args)):
        assert API_KEY not in text
    for value in getattr(error, "field_errors", {}).items():
        assert API_KEY not in str(value)


# -- the hierarchy --------------------------------------------------------------------------------------


def test_every_error_is_an_egoi_error_with_a_stable_code() -> None:
    expected = {
        InvalidArgumentError: "INVALID_ARGUMENT",
        AuthError: "NO_ACCESS",
        NotFoundError: "NOT_FOUND",
        ConflictError: "CONFLICT",
        ValidationError: "VALIDATION_ERROR",
        RateLimitError: "RATE_LIMITED",
        UpstreamError: "INTERNAL_ERROR",
        NetworkError: "NETWORK_ERROR",
    }
    for cls, code in expected.items():
        error = cls("something happened")
        assert isinstance(error, EGoiError)
        assert isinstance(error, Exception)
        assert error.code == code
        assert error.message == "something happened"
        assert str(error) == f"{code}: something happened"
        assert error.status is None


def test_code_and_status_can_be_set_per_instance() -> None:
    error = NotFoundError("no such list", code="LIST_NOT_FOUND", status=404)
    assert error.code == "LIST_NOT_FOUND"
    assert error.status == 404
    assert NotFoundError.code == "NOT_FOUND"  # the class default is untouched


@pytest.fixture(autouse=True)
def _key_is_a_secret() -> None:
    register_secret(API_KEY)  # what EGoiClient does with its key; the mapper scrubs every registered secret


# -- status by status -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_point_at_the_api_key(status: int) -> None:
    error = error_from_response(response(status, problem(status, "Access denied")))
    assert type(error) is AuthError
    assert error.code == "NO_ACCESS"
    assert error.status == status
    assert "EGOI_API_KEY" in error.message
    assert str(status) in error.message


@pytest.mark.parametrize(
    ("resource", "code"),
    [
        ("list", "LIST_NOT_FOUND"),
        ("contact", "SUBSCRIBER_NOT_FOUND"),
        ("tag", "TAG_NOT_FOUND"),
        ("campaign", "CAMPAIGN_NOT_FOUND"),
        ("segment", "SEGMENT_NOT_FOUND"),
        ("webhook", "WEBHOOK_NOT_FOUND"),
        (None, "NOT_FOUND"),
        ("something-else", "NOT_FOUND"),
    ],
)
def test_not_found_code_per_resource(resource: str | None, code: str) -> None:
    error = error_from_response(response(404, problem(404, "Not found")), resource=resource)
    assert type(error) is NotFoundError
    assert error.code == code
    assert error.status == 404
    if resource:
        assert resource in error.message


def test_conflict_unique_field_in_use_gives_the_existing_contact() -> None:
    body = problem(
        409,
        "The request could not be completed due to a conflict with the current state of the resource",
        {"unique_field_in_use": "A unique field is already being used", "field_id": "email", "contacts": [CONTACT]},
    )
    error = error_from_response(response(409, body), resource="list")
    assert type(error) is ConflictError
    assert error.code == "EMAIL_ALREADY_EXISTS"
    assert error.existing_id == CONTACT
    assert error.status == 409
    assert CONTACT in error.message


def test_conflict_unique_field_without_contacts() -> None:
    body = problem(409, "Conflict", {"unique_field_in_use": "A unique field is already being used"})
    error = error_from_response(response(409, body))
    assert isinstance(error, ConflictError)
    assert error.code == "EMAIL_ALREADY_EXISTS"
    assert error.existing_id is None


def test_conflict_list_limit_reached() -> None:
    body = problem(409, "Conflict", {"list_limit_reached": "The maximum number of allowed lists was reached"})
    error = error_from_response(response(409, body))
    assert isinstance(error, ConflictError)
    assert error.code == "NO_MORE_LISTS_ALLOWED"
    assert error.existing_id is None


def test_conflict_name_already_exists() -> None:
    error = error_from_response(response(409, problem(409, "", {"name_already_exists": "Name already exists"})))
    assert isinstance(error, ConflictError)
    assert error.code == "TAG_ALREADY_EXISTS"


def test_other_conflicts_say_why() -> None:
    body = problem(409, "Conflict", {"has_automations": "The list has automations associated"})
    error = error_from_response(response(409, body), resource="list")
    assert type(error) is ConflictError
    assert error.code == "CONFLICT"
    assert "The list has automations associated" in error.message


def test_conflict_without_errors_uses_the_detail() -> None:
    error = error_from_response(response(409, problem(409, "Campaign was sent in the last 30 days")))
    assert error.code == "CONFLICT"
    assert "Campaign was sent in the last 30 days" in error.message


def test_422_field_errors() -> None:
    body = problem(422, "Unprocessable Entity", {"first_name": "too long", "language": ["must be one of en, pt"]})
    error = error_from_response(response(422, body))
    assert type(error) is ValidationError
    assert error.code == "VALIDATION_ERROR"
    assert error.status == 422
    assert set(error.field_errors) == {"first_name", "language"}
    assert "too long" in error.field_errors["first_name"]
    assert "first_name: too long" in error.message
    assert "language" in error.message


def test_422_on_the_email_field_is_email_address_invalid() -> None:
    body = problem(422, "Unprocessable Entity", {"email": "The email is not valid"})
    error = error_from_response(response(422, body))
    assert isinstance(error, ValidationError)
    assert error.code == "EMAIL_ADDRESS_INVALID"
    assert error.field_errors == {"email": "The email is not valid"}


@pytest.mark.parametrize("status", [400, 413, 422])
def test_validation_without_field_errors_uses_the_detail(status: int) -> None:
    error = error_from_response(response(status, problem(status, "The request body is malformed")))
    assert isinstance(error, ValidationError)
    assert error.status == status
    assert error.field_errors == {}
    assert "The request body is malformed" in error.message


def test_429_with_reset_header_gives_reset_at() -> None:
    before = datetime.now(UTC)
    error = error_from_response(
        response(429, problem(429, "Too many requests"), {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "120"})
    )
    assert type(error) is RateLimitError
    assert error.code == "RATE_LIMITED"
    assert error.status == 429
    assert error.reset_at is not None
    assert before + timedelta(seconds=119) <= error.reset_at <= datetime.now(UTC) + timedelta(seconds=121)
    assert "UTC" in error.message


@pytest.mark.parametrize("header", ["X-Account-Reset", "Retry-After"])
def test_429_reset_from_other_headers(header: str) -> None:
    error = error_from_response(response(429, headers={header: "60"}))
    assert isinstance(error, RateLimitError)
    assert error.reset_at is not None
    assert error.reset_at > datetime.now(UTC) + timedelta(seconds=50)


def test_429_reset_comes_from_the_exhausted_budget() -> None:
    # the per-window budget still has room; the hourly account budget is what ran out
    headers = {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": "40",
        "X-RateLimit-Reset": "30",
        "X-Account-Limit": "5000",
        "X-Account-Remaining": "0",
        "X-Account-Reset": "1800",
    }
    error = error_from_response(response(429, headers=headers))
    assert isinstance(error, RateLimitError)
    assert error.reset_at is not None
    assert error.reset_at > datetime.now(UTC) + timedelta(seconds=1700)


@pytest.mark.parametrize("headers", [None, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, {"X-RateLimit-Reset": ""}])
def test_429_without_usable_headers(headers: dict[str, str] | None) -> None:
    error = error_from_response(response(429, headers=headers))
    assert isinstance(error, RateLimitError)
    assert error.reset_at is None
    assert "try again" in error.message


def test_408_is_a_network_error() -> None:
    error = error_from_response(response(408, problem(408, "Request Timeout")))
    assert type(error) is NetworkError
    assert error.status == 408


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_are_upstream_errors(status: int) -> None:
    error = error_from_response(response(status, problem(status, "Something went wrong")))
    assert type(error) is UpstreamError
    assert error.code == "INTERNAL_ERROR"
    assert error.status == status
    assert f"HTTP {status}" in error.message
    assert "Something went wrong" in error.message


@pytest.mark.parametrize(
    "body",
    [
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
        "",
        b"\xff\xfe\x00garbage",
        "[1, 2, 3]",
        '"just a string"',
        "{not json",
    ],
)
@pytest.mark.parametrize("status", [404, 409, 422, 429, 500, 503])
def test_unreadable_bodies_never_crash(status: int, body: str | bytes) -> None:
    error = error_from_response(response(status, body), resource="list")
    assert isinstance(error, EGoiError)
    assert error.status == status
    if status >= 500:
        assert type(error) is UpstreamError


def test_errors_that_are_not_a_dict_are_ignored() -> None:
    body = problem(409, "Conflict")
    body["errors"] = ["list_limit_reached"]
    error = error_from_response(response(409, body))
    assert error.code == "CONFLICT"


# -- the API key never leaks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (422, problem(422, f"Invalid header Apikey: {API_KEY}")),
        (422, problem(422, "Unprocessable Entity", {"apikey": f"{API_KEY} is not allowed here"})),
        (422, problem(422, "Unprocessable Entity", {f"header[{API_KEY}]": "unknown"})),
        (400, problem(400, f"Bad key {API_KEY}")),
        (409, problem(409, "Conflict", {"has_queued_operations": f"queued by {API_KEY}"})),
        (409, problem(409, f"conflict for {API_KEY}")),
        (500, problem(500, f"Traceback: Apikey={API_KEY}")),
        (401, problem(401, f"key {API_KEY} revoked")),
        (404, problem(404, f"no resource for {API_KEY}")),
        (429, problem(429, f"too many requests from {API_KEY}")),
    ],
)
def test_api_key_never_in_the_error(status: int, body: dict) -> None:
    error = error_from_response(response(status, body))
    assert_no_key(error)


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
