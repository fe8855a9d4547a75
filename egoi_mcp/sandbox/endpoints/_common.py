"""What every endpoint module needs: the sandbox behind a request, and the list a path names."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from egoi_mcp.sandbox.models import MailingList
from egoi_mcp.sandbox.params import path_id
from egoi_mcp.sandbox.problems import invalid, not_found
from egoi_mcp.sandbox.state import Sandbox


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def list_or_404(request: Request) -> MailingList:
    record = _find_list(request)
    if record is None:
        raise not_found("List not found")
    return record


def list_or_422(request: Request) -> MailingList:
    """For the operations whose spec documents no 404: an unknown list is a bad `list_id`."""
    record = _find_list(request)
    if record is None:
        raise invalid({"list_id": "List not found"}, detail="List not found")
    return record


def _find_list(request: Request) -> MailingList | None:
    list_id = path_id(request, "list_id")
    return sandbox_of(request).lists.get(list_id) if list_id is not None else None


def sort_key(value: Any) -> Any:
    """Sort strings without case, anything else as it is."""
    return value.casefold() if isinstance(value, str) else value
