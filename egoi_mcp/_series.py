"""A campaign report's opens and clicks per day, summarised so that any report stays small.

E-goi lists one row per day with activity, for as long as the campaign has any: a report may carry years of
days. The series is drawn by day when it spans at most `DAY_SPAN` days, by week (periods start on Monday) up to
`WEEK_SPAN` days, and by month beyond. At most `MAX_PERIODS` periods and `MAX_BYTES` of JSON are kept, the
earliest first (a campaign's story starts at its send); how many later periods were left out is counted.
Counts saturate at `MAX_COUNT`, far beyond any campaign, so that every number can be written as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

Granularity = Literal["day", "week", "month"]

DAY_SPAN: Final = 90
WEEK_SPAN: Final = 731  # about two years
MAX_PERIODS: Final = 600  # fifty years of months
MAX_BYTES: Final = 96 * 1024
MAX_COUNT: Final = 10**1000  # Python writes integers of up to 4,300 digits
_ROW_BYTES: Final = len('{"date":"YYYY-MM-DD","opens":,"clicks":},')  # a row's JSON without its two numbers


@dataclass(frozen=True)
class Period:
    start: date  # the period's first day
    opens: int
    clicks: int


@dataclass(frozen=True)
class Series:
    granularity: Granularity
    periods: list[Period]
    span_days: int  # from the first day with activity to the last, both included
    left_out: int  # later periods past MAX_PERIODS or MAX_BYTES


def summarise(days: Iterable[tuple[date, int, int]]) -> Series:
    """`(day, opens, clicks)` rows, in any order and possibly repeated, as a bounded series of periods."""
    rows = list(days)
    if not rows:
        return Series("day", [], 0, 0)
    first = min(day for day, _, _ in rows)
    span = (max(day for day, _, _ in rows) - first).days + 1
    granularity: Granularity = "day" if span <= DAY_SPAN else "week" if span <= WEEK_SPAN else "month"
    totals: dict[date, tuple[int, int]] = {}
    for day, opens, clicks in rows:
        start = _start(day, granularity)
        before = totals.get(start, (0, 0))
        totals[start] = (min(before[0] + opens, MAX_COUNT), min(before[1] + clicks, MAX_COUNT))
    periods = [Period(start, *totals[start]) for start in sorted(totals)]
    kept = _within_bounds(periods)
    return Series(granularity, periods[:kept], span, len(periods) - kept)


def _start(day: date, granularity: Granularity) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())  # 0001-01-01 is a Monday: never before date.min
    if granularity == "month":
        return day.replace(day=1)
    return day


def _within_bounds(periods: list[Period]) -> int:
    """How many of the first periods fit in MAX_PERIODS and MAX_BYTES."""
    size = 0
    for count, period in enumerate(periods[:MAX_PERIODS]):
        size += _ROW_BYTES + len(str(period.opens)) + len(str(period.clicks))
        if size > MAX_BYTES:
            return count
    return min(len(periods), MAX_PERIODS)
