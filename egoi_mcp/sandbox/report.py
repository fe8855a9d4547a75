"""A campaign's e-mail report (the spec's `EmailReport`), counted from the activities recorded for it.

Every number counts events the sandbox recorded for the campaign, which are exactly the events it posted
to webhooks listening for them (`delivery.py`):

- `overall`: `sends`, `opens` (every open) and `unique_opens` (contacts who opened), `clicks` and
  `unique_clicks`, `soft_bounces` and `hard_bounces`, `complaints` and `unsubscriptions` (the sandbox
  simulates neither hard bounces, complaints nor unsubscribes from a campaign: they stay 0);
- `date`: one entry per UTC day with activity, oldest first, the day as `YYYY-MM-DD` (the spec's type is
  `date`; its example, `01-01-1970`, is ambiguous); `weekday` (`"0"` is Sunday) and `hour` (`"00"`-`"23"`,
  UTC), each only for the days or hours with activity;
- `domain`: by the domain of the recipients' e-mail addresses; `url`: clicks per link, most clicked first;
- `location` and `reader`: the sandbox knows neither, so they are empty.

Each series is left out when its query flag is false. A campaign that was never sent has a report of zeros.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from egoi_mcp.sandbox.models import Activity
from egoi_mcp.sandbox.render import day

SECTIONS = ("date", "weekday", "hour", "location", "domain", "url", "reader")

_METRICS = {
    "email_send": "sends",
    "email_open": "opens",
    "email_click": "clicks",
    "email_hard_bounce": "hard_bounces",
    "email_soft_bounce": "soft_bounces",
    "email_spam_complaint": "complaints",
    "unsubscribe": "unsubscriptions",
}

_GROUPS: dict[str, Callable[[Activity], str]] = {
    "date": lambda a: day(a.date),  # formatted once per time (render's cache)
    "weekday": lambda a: str(a.date.isoweekday() % 7),
    "hour": lambda a: f"{a.date.hour:02d}",
    "domain": lambda a: a.domain,
}


def email_report(campaign_hash: str, activities: Iterable[Activity], sections: Iterable[str]) -> dict[str, Any]:
    mine = [a for a in activities if a.campaign_hash == campaign_hash and a.action in _METRICS]
    overall = _counts(mine)
    overall["unique_opens"] = len({a.contact_id for a in mine if a.action == "email_open"})
    overall["unique_clicks"] = len({a.contact_id for a in mine if a.action == "email_click"})
    report: dict[str, Any] = {"campaign_hash": campaign_hash, "overall": overall}
    for section in sections:
        if section in _GROUPS:
            report[section] = _series(section, mine, _GROUPS[section])
        elif section == "url":
            clicks = Counter(a.url for a in mine if a.action == "email_click" and a.url)
            ranked = sorted(clicks.items(), key=lambda item: (-item[1], item[0]))
            report["url"] = [{"url": url, "clicks": count} for url, count in ranked]
        else:  # location, reader
            report[section] = []
    return report


def _counts(activities: Iterable[Activity]) -> dict[str, int]:
    counted = Counter(_METRICS[a.action] for a in activities)
    return {metric: counted[metric] for metric in _METRICS.values()}


def _series(name: str, activities: list[Activity], key: Callable[[Activity], str]) -> list[dict[str, Any]]:
    groups: defaultdict[str, list[Activity]] = defaultdict(list)
    for activity in activities:
        groups[key(activity)].append(activity)
    return [{name: value, **_counts(groups[value])} for value in sorted(groups)]
