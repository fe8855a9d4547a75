"""E-goi's error answers as its OpenAPI file writes them (`{type, title, status, detail[, errors]}`), for the
error mapping's tests, and the check that an error never carries the API key."""

from __future__ import annotations

import ssl

import httpx

from egoi_mcp.errors import EGoiError

BASE = "https://api.egoiapp.com"
API_KEY = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"
CONTACT = "8f3a27ef26"

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
