"""The link page's HTML: self-contained (no script, no external asset), one inline style allowed by its hash."""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Final

__all__ = ["consent_page", "csp", "key_page", "message_page"]

SCOPE_TEXT: Final = {
    "egoi:read": "read your lists, contacts, campaigns and reports",
    "egoi:write": "create and change contacts, lists, tags and campaign drafts",
    "egoi:send": "send campaigns, delete contacts and run imports",
}
_STYLE: Final = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}"
    "h1{font-size:1.4rem}form{margin:1rem 0}"
    "input[type=password]{box-sizing:border-box;width:100%;padding:.5rem;font:inherit}"
    "button{padding:.5rem 1rem;font:inherit;margin-right:.5rem}.error{color:#b00020}.muted{color:#666}"
    "details{margin-top:2rem}ul{list-style:none;padding-left:0}"
)
_STYLE_HASH: Final = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()


def csp(form_targets: str = "") -> str:
    """The page's Content-Security-Policy: nothing loads, nothing frames it, forms post here (and may redirect
    to the client's own redirect URI, `form_targets`)."""
    return (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self' {form_targets}".rstrip()
        + "; frame-ancestors 'none'; base-uri 'none'"
    )


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _hidden(request: str, csrf: str) -> str:
    return (
        f'<input type="hidden" name="request" value="{escape(request)}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    )


def _key_form(request: str, csrf: str, label: str) -> str:
    return (
        f'<form method="post" action="link">{_hidden(request, csrf)}<input type="hidden" name="action" value="link">'
        f'<p><label for="api_key">Your E-goi API key</label><br><input id="api_key" name="api_key" '
        f'type="password" autocomplete="off" spellcheck="false" required maxlength="200"></p>'
        f'<button type="submit">{escape(label)}</button></form>'
    )


def key_page(client: str, request: str, csrf: str, error: str | None = None) -> str:
    """Step one: paste the E-goi API key (it goes to this server only, never to the assistant)."""
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return _page(
        "Link your E-goi account",
        f"<h1>Link your E-goi account</h1><p><strong>{escape(client)}</strong> wants to use E-goi on your behalf."
        " Paste your E-goi API key (E-goi: your account menu &gt; Integrations &gt; API key). It is checked with"
        " E-goi, kept encrypted on this server, and never shown to the assistant.</p>"
        f"{problem}{_key_form(request, csrf, 'Link and continue')}"
        f'<form method="post" action="link">{_hidden(request, csrf)}'
        '<button name="action" value="deny" type="submit">Cancel</button></form>',
    )


def consent_page(
    client: str, hint: str, scopes: list[str], request: str, csrf: str, *, back_to: str, error: str | None = None
) -> str:
    """Step two: allow this client what it asked for (each scope can be left out), replace the key, or remove it."""
    asked = "".join(
        f'<li><label><input type="checkbox" name="scope" value="{escape(s)}" checked> '
        f"{escape(SCOPE_TEXT.get(s, s))} <span class='muted'>({escape(s)})</span></label></li>"
        for s in scopes
    )
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return _page(
        "Allow access to E-goi",
        f"<h1>Allow {escape(client)}?</h1>{problem}<p>Your linked E-goi account (API key ending "
        f"<strong>…{escape(hint)}</strong>) will be used to:</p>"
        f'<form method="post" action="link">{_hidden(request, csrf)}<ul>{asked}</ul>'
        f"<p class='muted'>Allowing sends you back to <strong>{escape(back_to)}</strong>.</p>"
        '<button name="action" value="allow" type="submit">Allow</button>'
        '<button name="action" value="deny" type="submit">Deny</button></form>'
        f"<details><summary>Replace or remove the linked key</summary>{_key_form(request, csrf, 'Replace key')}"
        f'<form method="post" action="link">{_hidden(request, csrf)}'
        '<button name="action" value="unlink" type="submit">Remove the link</button></form></details>',
    )


def message_page(title: str, text: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")
