"""The two views as self-contained HTML documents: one page template, the shared runtime inlined, and a
Content-Security-Policy that admits only the page's own inline script and style (by hash) and no network."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib.resources import files

REPORT = "report"
EVENTS = "events"
PREVIEW = "preview"
_TITLES = {REPORT: "E-goi campaign report", EVENTS: "E-goi events", PREVIEW: "E-goi e-mail preview"}


def _static(name: str) -> str:
    return files("egoi_mcp.apps").joinpath("static", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(script: str, style: str, *, framed_styles: bool = False) -> str:
    """No network of any kind; scripts and styles only those inlined in the page (by hash), never injected ones.

    `framed_styles`: the e-mail preview's nested frame inherits this policy, and an e-mail is styled inline, so
    styles are admitted inline (they can fetch nothing: no source admits a URL); scripts stay the page's own."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {_sha256(script)}",
            "style-src " + ("'unsafe-inline'" if framed_styles else _sha256(style)),
            "img-src data:",
            "connect-src 'none'",
            "frame-src 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


@cache
def page(view: str) -> str:
    """The complete HTML of `view` (`REPORT`, `EVENTS` or `PREVIEW`)."""
    if view not in _TITLES:
        raise ValueError(f"unknown view {view!r}; expected one of {sorted(_TITLES)}")
    style = _static("base.css") + _static(f"{view}.css")
    script = _static("bridge.js") + _static(f"{view}.js")
    for text in (style, script):
        if "</" in text:
            raise ValueError(f"the {view} view's inline code must not contain '</'")
    html = _static("page.html")
    for key, value in (
        ("TITLE", _TITLES[view]),
        ("CSP", content_security_policy(script, style, framed_styles=view == PREVIEW)),
    ):
        html = html.replace("{{" + key + "}}", value)
    return html.replace("{{STYLE}}", style).replace("{{SCRIPT}}", script)
