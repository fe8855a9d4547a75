"""What a campaign's HTML holds, as a checklist a person would run before sending it: its size (and whether
Gmail clips it: over 102 KB), its links, whether one of them unsubscribes, and the images without alt text.

`CampaignDetail` is a campaign with that summary. E-goi's API does not return a campaign's content, so the
summary covers content written through this client (`client.campaigns.create_email` / `update_email`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from pydantic import BaseModel, Field

GMAIL_CLIP_KB = 102
MAX_LINKS = 50  # links listed; `link_count` counts them all
_UNSUBSCRIBE = re.compile(r"unsubscri|opt[-_ ]?out|!remove|\[remove\]|cancelar.subscri", re.IGNORECASE)


class ContentSummary(BaseModel):
    size_kb: float
    over_gmail_clip: bool  # Gmail clips messages over 102 KB
    has_unsubscribe_link: bool
    link_count: int
    links: list[str] = Field(default_factory=list)
    images: int = 0
    images_without_alt: int = 0
    has_plain_text: bool = False
    checklist: list[str] = Field(default_factory=list)  # "ok: ..." or "fix: ...", one line per check


class CampaignDetail(BaseModel):
    id: str
    name: str
    status: str | None = None
    subject: str | None = None
    list_id: int | None = None
    sender: str | None = None  # the From address
    content: ContentSummary | None = None  # null: not written through this server (E-goi does not return it)
    html: str | None = None


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.unsubscribe = False
        self.images = 0
        self.without_alt = 0
        self._anchor: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and values.get("href"):
            self._anchor = values["href"].strip()
            self.links.append(self._anchor)
            self.unsubscribe = self.unsubscribe or bool(_UNSUBSCRIBE.search(self._anchor))
        elif tag == "img":
            self.images += 1
            self.without_alt += not values.get("alt", "").strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._anchor = None

    def handle_data(self, data: str) -> None:
        if self._anchor is not None and _UNSUBSCRIBE.search(data):
            self.unsubscribe = True


def summarise(html: str, plain_text: str = "") -> ContentSummary:
    scan = _Scan()
    scan.feed(html)
    scan.close()
    size_kb = round(len(html.encode()) / 1024, 1)
    summary = ContentSummary(
        size_kb=size_kb,
        over_gmail_clip=size_kb > GMAIL_CLIP_KB,
        has_unsubscribe_link=scan.unsubscribe,
        link_count=len(scan.links),
        links=list(dict.fromkeys(scan.links))[:MAX_LINKS],
        images=scan.images,
        images_without_alt=scan.without_alt,
        has_plain_text=bool(plain_text.strip()),
    )
    summary.checklist = checklist(summary)
    return summary


def checklist(summary: ContentSummary) -> list[str]:
    """The checks a person runs before sending, one line each ("ok: ..." or "fix: ..."): what the text result
    and the preview view both show."""
    s = summary
    return [
        "ok: has an unsubscribe link" if s.has_unsubscribe_link
        else "fix: no unsubscribe link (recipients and inbox providers expect one)",
        f"fix: {s.images_without_alt} of {s.images} image(s) without alt text" if s.images_without_alt
        else f"ok: every image has alt text ({s.images})",
        f"fix: {s.size_kb} KB: Gmail clips messages over {GMAIL_CLIP_KB} KB" if s.over_gmail_clip
        else f"ok: {s.size_kb} KB, under Gmail's {GMAIL_CLIP_KB} KB clipping",
        f"ok: {s.link_count} link(s), listed in links" if s.link_count else "ok: no links",
    ]  # fmt: skip
