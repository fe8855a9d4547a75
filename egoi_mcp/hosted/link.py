"""The link page, `/oauth/link`: where the authorize step sends the browser to link an E-goi key and consent.

GET shows the key form (or, for a browser whose user has linked a key already, the consent form); POST acts:
`link` checks and keeps a key, `allow` issues the code and redirects to the client, `deny` redirects with
`access_denied`, `unlink` removes the key. Every POST needs the CSRF token of the form (a MAC over the pending
request and a random cookie of this browser); the page loads nothing, runs no script and cannot be framed.
The user is remembered by a signed, HttpOnly cookie holding their random id, never their key.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from mcp.server.auth.provider import construct_redirect_uri
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from egoi_mcp.hosted.accounts import ATTEMPTS, LinkRefused
from egoi_mcp.hosted.page import consent_page, csp, key_page, message_page

if TYPE_CHECKING:
    from egoi_mcp.hosted.accounts import Accounts
    from egoi_mcp.hosted.keys import KeyBox
    from egoi_mcp.hosted.provider import HostedProvider
    from egoi_mcp.hosted.records import Records

__all__ = ["CSRF_COOKIE", "LINK_PATH", "browser_of", "checked_form", "html", "link_routes", "with_browser"]

LINK_PATH: Final = "/oauth/link"
_USER: Final = "egoi_mcp_user"
CSRF_COOKIE: Final = "egoi_mcp_csrf"
_TOO_MANY: Final = "Too many keys were tried for this sign-in. Start again from your assistant."
_GONE: Final = "This sign-in request has expired or was already used. Start again from your assistant."


class _LinkPage:
    def __init__(
        self, records: Records, accounts: Accounts, provider: HostedProvider, box: KeyBox, *, issuer: str
    ) -> None:
        self._issuer = issuer
        self._secure = issuer.startswith("https://")
        self._records = records
        self._accounts = accounts
        self._provider = provider
        self._box = box

    async def get(self, request: Request) -> Response:
        secret = request.query_params.get("request", "")
        pending = await self._records.get(self._records.key_of("request", secret))
        if pending is None:
            return html(message_page("Link expired", _GONE), status=400)
        browser = browser_of(request)
        return with_browser(await self._form(request, secret, pending, browser), browser, secure=self._secure)

    async def post(self, request: Request) -> Response:
        checked = await checked_form(request, self._box)
        if isinstance(checked, Response):
            return checked
        form, secret, action, browser = checked
        key = self._records.key_of("request", secret)
        pending = await self._records.get(key)
        if pending is None:
            return html(message_page("Link expired", _GONE), status=400)
        user = self._user(request)
        if action == "link":
            return await self._link(request, secret, pending, browser, user, str(form.get("api_key", "")).strip())
        if action == "unlink" and user is not None:
            await self._accounts.unlink(user)
            response = await self._form(request, secret, pending, browser, user=None)
            response.delete_cookie(_USER, path=LINK_PATH)
            return response
        if action == "allow" and user is not None and await self._accounts.hint(user) is not None:
            ticked = [scope for scope in pending["scopes"] if scope in form.getlist("scope")]
            if not ticked:
                error = "Tick at least one thing the assistant may do, or Deny."
                return await self._form(request, secret, pending, browser, error=error, status=400)
            taken = await self._records.take(key)
            if taken is None:
                return html(message_page("Link expired", _GONE), status=400)
            code = await self._provider.issue_code({**taken, "scopes": ticked}, user)
            return self._back(taken, code=code)
        if action == "deny":
            taken = await self._records.take(key)
            if taken is not None:
                return self._back(taken, error="access_denied")
        return await self._form(request, secret, pending, browser, status=400)

    async def _link(
        self, request: Request, secret: str, pending: dict[str, Any], browser: str, user: str | None, api_key: str
    ) -> Response:
        if not await self._records.attempt(self._records.key_of("request", secret), most=ATTEMPTS):
            return html(message_page("Too many attempts", _TOO_MANY), status=429)
        user = user or f"u_{secrets.token_urlsafe(16)}"
        try:
            await self._accounts.link(user, api_key)
        except LinkRefused as exc:
            return await self._form(request, secret, pending, browser, error=str(exc), status=400)
        response = await self._form(request, secret, pending, browser, user=user)
        signed = f"{user}.{self._box.sign(f'user:{user}')}"
        response.set_cookie(_USER, signed, max_age=365 * 86_400, httponly=True, samesite="lax", secure=self._secure,
                            path=LINK_PATH)  # fmt: skip
        return response

    async def _form(
        self,
        request: Request,
        secret: str,
        pending: dict[str, Any],
        browser: str,
        *,
        user: str | bool | None = True,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        """The key form, or the consent form when `user` (this browser's, by default) has a key linked."""
        who = self._user(request) if user is True else user
        hint = await self._accounts.hint(who) if isinstance(who, str) else None
        csrf = self._box.sign(f"csrf:{browser}:{secret}")
        client = str(pending.get("client_name"))
        target = urlsplit(str(pending.get("redirect_uri")))
        if hint is None:
            page = key_page(client, secret, csrf, error)
        else:
            scopes = list(pending.get("scopes") or [])
            page = consent_page(client, hint, scopes, secret, csrf, back_to=target.netloc, error=error)
        return html(page, status=status, form_targets=f"{target.scheme}://{target.netloc}")

    def _back(self, request: dict[str, Any], **answer: str) -> Response:
        """Back to the client's redirect URI with `answer`, its state and this issuer (RFC 9207)."""
        url = construct_redirect_uri(request["redirect_uri"], **answer, state=request.get("state"), iss=self._issuer)
        return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})

    def _user(self, request: Request) -> str | None:
        """This browser's user, from its signed cookie (None without one, or with a forged one)."""
        user, _, mac = request.cookies.get(_USER, "").rpartition(".")
        return user if user and self._box.verify(f"user:{user}", mac) else None


def html(page: str, *, status: int = 200, form_targets: str = "") -> HTMLResponse:
    return HTMLResponse(page, status_code=status, headers={
        "Content-Security-Policy": csp(form_targets), "X-Frame-Options": "DENY", "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
    })  # fmt: skip


def link_routes(
    records: Records, accounts: Accounts, provider: HostedProvider, box: KeyBox, *, issuer: str
) -> list[Route]:
    page = _LinkPage(records, accounts, provider, box, issuer=issuer)
    return [Route(LINK_PATH, page.get, methods=["GET"]), Route(LINK_PATH, page.post, methods=["POST"])]


def browser_of(request: Request) -> str:
    """This browser's random id (the CSRF cookie), or a new one."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def with_browser(response: Response, browser: str, *, secure: bool) -> Response:
    """`response` setting the browser's id: HttpOnly, SameSite=Strict, only for the link page."""
    response.set_cookie(CSRF_COOKIE, browser, httponly=True, samesite="strict", secure=secure, path=LINK_PATH)
    return response


async def checked_form(request: Request, box: Any) -> tuple[Any, str, str, str] | Response:
    """A posted link form, its request secret, action and the browser's id, once its CSRF token is checked (it
    is bound to this browser and this request); else the page saying it was refused."""
    form = await request.form()
    secret, action = str(form.get("request", "")), str(form.get("action", ""))
    browser = request.cookies.get(CSRF_COOKIE, "")
    if not browser or not box.verify(f"csrf:{browser}:{secret}", str(form.get("csrf", ""))):
        return html(message_page("Refused", "This form is stale or was not sent from this page."), status=403)
    return form, secret, action, browser
