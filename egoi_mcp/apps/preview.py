"""A campaign's HTML made safe to show in the e-mail preview view: a whole document for a `sandbox=""` frame's
`srcdoc` that can run nothing and load nothing.

The HTML is parsed and written out again keeping only what draws: known layout tags and presentational
attributes. Scripts, styles' `url()`/`@import`, frames, objects, forms, `<meta>`, `<base>`, `<link>` and every
event handler go; a remote image becomes a box of its size with its alt text; a link keeps its text and shows its
address as a tooltip (no `href`: clicking goes nowhere). The document's own Content-Security-Policy blocks any
network too, and the view's frame runs no script whatever the HTML holds. The checklist is `client._content`'s.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

PREVIEW_META = "io.egoi-mcp/preview"
"""The tool result `_meta` key that carries the preview document to the view (never to the model)."""

DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_KEPT = _words(
    "a abbr address article aside b bdi bdo big blockquote br caption center cite code col colgroup dd del details "
    "dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i ins kbd li main mark nav ol p pre "
    "q s samp section small span strike strong sub summary sup table tbody td tfoot th thead time tr tt u ul var wbr"
)
_VOID = _words("br col hr wbr img")
_DROPPED_WITH_CONTENT = _words(
    "script style noscript template iframe frame frameset object embed applet svg math title textarea select "
    "option audio video canvas noembed noframes xmp plaintext"
)
_ATTRIBUTES = _words(
    "align valign width height bgcolor color border cellpadding cellspacing colspan rowspan dir lang title class "
    "id role face size nowrap span start type abbr scope headers summary"
)
_CSS_FETCH = re.compile(r"url\s*\(|image-set\s*\(|@import|expression\s*\(|image\s*\(|element\s*\(", re.IGNORECASE)
_RULE = re.compile(r"@media[^{}]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}|[^{}@]*\{[^{}]*\}")
_LENGTH = re.compile(r"\s*(\d{1,4})(?:px)?\s*")
_BASE_STYLE = ":where(a[title]){color:#1a5fd0;text-decoration:underline}"  # no weight: the e-mail's own rules win
_PLACEHOLDER = (
    "display:inline-block;box-sizing:border-box;max-width:100%;border:1px dashed #9aa1ab;background:#eef0f3;"
    "color:#5b616b;font:12px/1.3 sans-serif;padding:4px;text-align:center;vertical-align:middle;overflow:hidden"
)


def preview_document(html: str) -> str:
    """`html` (a campaign's content) as a complete, inert document for an iframe's `srcdoc`."""
    writer = _Writer()
    writer.feed(html)
    writer.close()
    styles = "".join(f"<style>{css}</style>" for css in [_BASE_STYLE, *writer.styles] if css)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{DOCUMENT_CSP}">{styles}</head>'
        f"<body>{''.join(writer.out)}</body></html>"
    )


def _css(text: str) -> str | None:
    """CSS that fetches nothing, or None: anything that could name a resource (or hide one behind an escape)."""
    if "\\" in text or "<" in text or _CSS_FETCH.search(text):
        return None
    return text


def _style_rules(text: str) -> str:
    """A `<style>` element's rules (and `@media` blocks of rules), without the ones that could fetch something."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    if "\\" in text or "<" in text:
        return ""
    return "".join(m.group(0) for m in _RULE.finditer(text) if not _CSS_FETCH.search(m.group(0)))


class _Writer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.styles: list[str] = []
        self._skipping: list[str] = []  # open elements whose content is dropped
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping:
            if tag in _DROPPED_WITH_CONTENT and tag not in _VOID:
                self._skipping.append(tag)
            return
        if tag in _DROPPED_WITH_CONTENT:
            self._skipping.append(tag)
            return
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "img":
            self.out.append(_image(values))
        elif tag in _KEPT:
            kept = _attributes(tag, values)
            self.out.append(f"<{tag}{kept}>")
            if tag not in _VOID:
                self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping or tag in _DROPPED_WITH_CONTENT:
            return  # no content to drop
        self.handle_starttag(tag, attrs)
        if self._open and self._open[-1] == tag and tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.pop()
            return
        if tag in self._open:
            while self._open:
                closed = self._open.pop()
                self.out.append(f"</{closed}>")
                if closed == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self._skipping:
            if self._skipping[-1] == "style" and len(self._skipping) == 1:
                self.styles.append(_style_rules(data))
            return
        self.out.append(escape(data, quote=False))

    def close(self) -> None:
        super().close()
        self.out.extend(f"</{tag}>" for tag in reversed(self._open))
        self._open.clear()


def _attributes(tag: str, values: dict[str, str]) -> str:
    kept = {name: value for name, value in values.items() if name in _ATTRIBUTES}
    style = _css(values.get("style", ""))
    if style:
        kept["style"] = style
    if tag == "a" and values.get("href"):
        kept["title"] = values["href"].strip()  # the address, shown on hover; no href: nothing to follow
    return "".join(f' {name}="{escape(value)}"' for name, value in kept.items())


def _image(values: dict[str, str]) -> str:
    """A remote image as a box of its declared size (capped), saying it is an image and its alt text."""
    alt = values.get("alt", "").strip()
    size = ""
    for name, most in (("width", 600), ("height", 400)):
        match = _LENGTH.fullmatch(values.get(name, ""))
        if match:
            size += f"{name}:{min(int(match.group(1)), most)}px;"
    label = f"image: {alt}" if alt else "image (no alt text)"
    return f'<span class="egoi-image" title="{escape(label)}" style="{_PLACEHOLDER};{size}">{escape(label)}</span>'
