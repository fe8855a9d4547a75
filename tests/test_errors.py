"""The error hierarchy and the one mapping from an E-goi response to it (`client._errors.error_from_response`);
the same mapping through the client is test_errors_client.py's.

Bodies follow E-goi's OpenAPI error schemas: `{type, title, status, detail[, errors]}`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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
from egoi_mcp.redact import register_secret
from tests.egoi_problems import API_KEY, CONTACT, assert_no_key, problem, response

pytestmark = pytest.mark.anyio


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
