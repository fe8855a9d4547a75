"""Every error egoi-mcp raises (classes only; `egoi_mcp.client._errors` maps E-goi's responses to them).

Each error has a stable `code` (the seed's vocabulary where one fits) and a message a person can act on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class EGoiError(Exception):
    """Base class. `code` is stable; `status` is the upstream HTTP status when there was one."""

    code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.status = status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidArgumentError(EGoiError):
    """Rejected before any upstream call: the arguments cannot be right."""

    code = "INVALID_ARGUMENT"


class AuthError(EGoiError):
    code = "NO_ACCESS"


class NotFoundError(EGoiError):
    code = "NOT_FOUND"


class ConflictError(EGoiError):
    """409. `existing_id` is the contact that already holds a unique field (E-goi's `errors.contacts[0]`)."""

    code = "CONFLICT"

    def __init__(self, message: str, *, existing_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.existing_id = existing_id


class ValidationError(EGoiError):
    """400/422 from E-goi; `field_errors` maps a field to what is wrong with it."""

    code = "VALIDATION_ERROR"

    def __init__(self, message: str, *, field_errors: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field_errors = field_errors or {}


class RateLimitError(EGoiError):
    """The request budget is spent. `reset_at` says when it comes back."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, reset_at: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reset_at = reset_at


class UpstreamError(EGoiError):
    """E-goi answered 5xx, or something we cannot read."""

    code = "INTERNAL_ERROR"


class NetworkError(EGoiError):
    """E-goi could not be reached, or did not answer in time."""

    code = "NETWORK_ERROR"


class CallBudgetExceededError(RateLimitError):
    """One call (a tool call) reached its bound on E-goi requests (`egoi_mcp.client.request_budget`): the
    hourly budget is not spent, this call may just not spend more of it. Narrowing the request helps."""

    code = "CALL_BUDGET_EXCEEDED"


class UnattendedLimitError(EGoiError):
    """A destructive action beyond what this server lets an assistant do with no person in the loop."""

    code = "UNATTENDED_LIMIT"


class JobNotFoundError(NotFoundError):
    """No job of this account has that id (another account's jobs are not found either)."""

    code = "JOB_NOT_FOUND"


class InsufficientBalanceError(EGoiError):
    """An SMS send would cost more credits than the account's balance holds: refused before anything is sent."""

    code = "INSUFFICIENT_BALANCE"
