"""The two views as self-contained HTML documents: one page template, the shared runtime inlined, and a
Content-Security-Policy that admits only the page's own inline script and style (by hash) and no network."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib.resources import files

REPORT = "report"
EVENTS = "events"
_TITLES = {REPORT: "E-goi campaign report", EVENTS: "E-goi events"}


def _static(name: str) -> str:
    return files("egoi_mcp.apps").joinpath("static", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(script: str, style: str) -> str:
    """No network of any kind; scripts and styles only those inlined in the page (by hash), never injected ones."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {_sha256(script)}",
            f"style-src {_sha256(style)}",
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
    """The complete HTML of `view` (`REPORT` or `EVENTS`)."""
    if view not in _TITLES:
        raise ValueError(f"unknown view {view!r}; expected one of {sorted(_TITLES)}")
    style = _static("base.css") + _static(f"{view}.css")
    script = _static("bridge.js") + _static(f"{view}.js")
    for text in (style, script):
        if "</" in text:
            raise ValueError(f"the {view} view's inline code must not contain '</'")
    html = _static("page.html")
    for key, value in (("TITLE", _TITLES[view]), ("CSP", content_security_policy(script, style))):
        html = html.replace("{{" + key + "}}", value)
    return html.replace("{{STYLE}}", style).replace("{{SCRIPT}}", script)
