"""Error bodies, shaped as E-goi's OpenAPI error schemas.

Every error is `{"type", "title", "status", "detail"}`; 400, 409 and 422 add an `errors` object.
Titles are the spec's fixed enums, including its `"NotFound"` without a space.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from egoi_mcp.sandbox.responses import JSONResponse

TYPE = "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Request Entity Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ApiError(Exception):
    """Raised by an endpoint; rendered as the spec's error body for `status`."""

    def __init__(self, status: int, detail: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return problem(self.status, self.detail, self.errors)


def problem(status: int, detail: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": TYPE, "title": TITLES[status], "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def bad_request(detail: str, errors: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, detail, errors)


def not_found(detail: str) -> ApiError:
    return ApiError(404, detail)


def conflict(detail: str, errors: dict[str, Any]) -> ApiError:
    return ApiError(409, detail, errors)


def invalid(errors: dict[str, Any], detail: str = "The request has invalid fields") -> ApiError:
    """422 with `errors` mapping each offending field to what is wrong with it."""
    return ApiError(422, detail, errors)


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status)


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own 404/405 (unknown path or method), in the same shape."""
    status = getattr(exc, "status_code", 500)
    status = status if status in TITLES else 500
    detail = "No such endpoint" if status == 404 else str(getattr(exc, "detail", "")) or TITLES[status]
    return JSONResponse(problem(status, detail), status_code=status, headers=getattr(exc, "headers", None))
