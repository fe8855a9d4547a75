"""Linking on first use, for users of an external identity provider (`EGOI_MCP_OAUTH_ISSUER`).

A signed-in user with no linked E-goi account who calls a tool, reads a resource or gets a prompt is answered with
a URL elicitation (MCP's URL mode, error -32042) to `/oauth/link?ticket=…`: a one-time ticket of 10 minutes naming
that user, minted like every other secret (`egoi_mcp.hosted.records`). The page takes the key, checks it with
E-goi and keeps it sealed; the user goes back to their assistant and tries again. The ticket is the credential of
that page, and it reaches the user through their own client only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.shared.exceptions import UrlElicitationRequiredError
from mcp_types import ElicitRequestURLParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from egoi_mcp.hosted.accounts import ATTEMPTS, LinkRefused
from egoi_mcp.hosted.keys import digest
from egoi_mcp.hosted.link import LINK_PATH, browser_of, checked_form, html, with_browser
from egoi_mcp.hosted.page import key_page, message_page
from egoi_mcp.runtime import ACCOUNT

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

    from egoi_mcp.hosted.accounts import Accounts
    from egoi_mcp.hosted.keys import KeyBox
    from egoi_mcp.hosted.records import Records

__all__ = ["LinkOnFirstUse", "ticket_routes"]

TICKET_TTL: Final = 600.0
_NEEDS_ACCOUNT: Final = (
    "tools/call",
    "resources/read",
    "resources/subscribe",
    "subscriptions/listen",
    "prompts/get",
    "completion/complete",
)
_GONE: Final = "This link has expired or was already used: ask your assistant again for a fresh one."


class LinkOnFirstUse:
    """Server middleware: a request that needs an E-goi account, from a user without one, gets the link URL."""

    def __init__(self, records: Records, base_url: str) -> None:
        self._records = records
        self._base_url = base_url

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        token = get_access_token()
        if token is None or token.subject is None or ACCOUNT.get() is not None or ctx.method not in _NEEDS_ACCOUNT:
            return await call_next(ctx)
        await self._records.prune()
        ticket, key = self._records.mint("ticket", TICKET_TTL)
        await self._records.put(key, {"subject": token.subject})
        message = "Link your E-goi account: open this page, paste your E-goi API key, then ask again."
        url = f"{self._base_url}{LINK_PATH}?request={ticket}"
        raise UrlElicitationRequiredError(
            [ElicitRequestURLParams(message=message, url=url, elicitation_id=digest(ticket)[:32])]
        )


class _TicketPage:
    def __init__(self, records: Records, accounts: Accounts, box: KeyBox, *, secure: bool) -> None:
        self._records = records
        self._accounts = accounts
        self._box = box
        self._secure = secure

    async def get(self, request: Request) -> Response:
        ticket = request.query_params.get("request", "")
        found = await self._records.get(self._records.key_of("ticket", ticket))
        if found is None:
            return html(message_page("Link expired", _GONE), status=400)
        browser = browser_of(request)
        page = html(key_page("Your assistant", ticket, self._box.sign(f"csrf:{browser}:{ticket}")))
        return with_browser(page, browser, secure=self._secure)

    async def post(self, request: Request) -> Response:
        checked = await checked_form(request, self._box)
        if isinstance(checked, Response):
            return checked
        form, ticket, action, browser = checked
        key = self._records.key_of("ticket", ticket)
        found = await self._records.get(key)
        if found is None:
            return html(message_page("Link expired", _GONE), status=400)
        if action != "link":
            await self._records.drop(key)
            return html(message_page("Nothing was linked", "You can close this page."))
        if not await self._records.attempt(key, most=ATTEMPTS):
            text = "Too many keys were tried: ask your assistant again."
            return html(message_page("Too many attempts", text), status=429)
        try:
            await self._accounts.link(found["subject"], str(form.get("api_key", "")).strip())
        except LinkRefused as exc:
            csrf = self._box.sign(f"csrf:{browser}:{ticket}")
            return html(key_page("Your assistant", ticket, csrf, str(exc)), status=400)
        await self._records.drop(key)
        return html(message_page("E-goi account linked", "Go back to your assistant and ask again."))


def ticket_routes(records: Records, accounts: Accounts, box: KeyBox, *, secure: bool) -> list[Route]:
    page = _TicketPage(records, accounts, box, secure=secure)
    return [Route(LINK_PATH, page.get, methods=["GET"]), Route(LINK_PATH, page.post, methods=["POST"])]
