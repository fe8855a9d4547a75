"""Units: opaque cursors and pages (`_paging`), E-goi's date-times (`_dates`)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from egoi_mcp._dates import format_datetime, parse_datetime, parse_day
from egoi_mcp._paging import EGOI_MAX_LIMIT, chunks, decode_cursor, encode_cursor, make_page
from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.models import Page

# -- cursors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, 1, 25, 999, 1000, 123_456_789])
def test_cursor_round_trip(offset: int) -> None:
    cursor = encode_cursor(offset)
    assert decode_cursor(cursor) == offset


def test_cursor_is_opaque_and_url_safe() -> None:
    cursor = encode_cursor(1000)
    assert cursor != "1000"
    assert "1000" not in cursor
    assert all(c.isalnum() or c in "-_" for c in cursor)  # no padding, no '+' or '/'


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_offset_zero(cursor: str | None) -> None:
    assert decode_cursor(cursor) == 0


def _raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!!",
        "é",
        "25",
        _raw("o:-1"),  # negative offset
        _raw("x:5"),  # wrong kind
        _raw("o:"),
        _raw("o:abc"),
        _raw("offset=5"),
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),  # not UTF-8
    ],
)
def test_foreign_cursor_is_an_argument_error(cursor: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        decode_cursor(cursor)
    assert info.value.code == "INVALID_ARGUMENT"
    assert "next_cursor" in info.value.message


@given(st.integers(min_value=0, max_value=10**12))
def test_cursor_round_trip_property(offset: int) -> None:
    assert decode_cursor(encode_cursor(offset)) == offset


@given(st.text(max_size=40))
def test_decode_cursor_only_raises_argument_errors(cursor: str) -> None:
    try:
        offset = decode_cursor(cursor)
    except InvalidArgumentError:
        return
    assert isinstance(offset, int)
    assert offset >= 0


# -- pages --------------------------------------------------------------------------------------------


def test_make_page_with_more_items_has_a_cursor_to_the_next_offset() -> None:
    page = make_page(["a", "b"], offset=0, limit=2, total=5)
    assert isinstance(page, Page)
    assert page.items == ["a", "b"]
    assert page.total == 5
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == 2


def test_make_page_middle_and_last_page() -> None:
    middle = make_page(["c", "d"], offset=2, limit=2, total=5)
    assert middle.next_cursor is not None
    assert decode_cursor(middle.next_cursor) == 4
    last = make_page(["e"], offset=4, limit=2, total=5)
    assert last.next_cursor is None
    exact_end = make_page(["e", "f"], offset=4, limit=2, total=6)
    assert exact_end.next_cursor is None


def test_make_page_without_total_guesses_from_a_full_page() -> None:
    full = make_page([1, 2, 3], offset=3, limit=3, total=None)
    assert full.total is None
    assert full.next_cursor is not None
    assert decode_cursor(full.next_cursor) == 6
    short = make_page([1], offset=6, limit=3, total=None)
    assert short.next_cursor is None


def test_make_page_empty_never_has_a_cursor() -> None:
    assert make_page([], offset=0, limit=10, total=0).next_cursor is None
    # a total that disagrees with an empty page must not produce an endless loop of empty pages
    assert make_page([], offset=10, limit=10, total=50).next_cursor is None
    assert make_page([], offset=0, limit=10, total=None).next_cursor is None


@given(
    n=st.integers(min_value=0, max_value=60),
    limit=st.integers(min_value=1, max_value=12),
    with_total=st.booleans(),
)
def test_walking_pages_visits_every_item_exactly_once(n: int, limit: int, with_total: bool) -> None:
    data = list(range(n))
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(n + 2):
        offset = decode_cursor(cursor)
        page = make_page(data[offset : offset + limit], offset=offset, limit=limit, total=n if with_total else None)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert cursor is None
    assert seen == data


def test_chunks_respect_egoi_bulk_limit() -> None:
    ids = [f"{i:010x}" for i in range(2500)]
    parts = chunks(ids)
    assert [len(p) for p in parts] == [1000, 1000, 500]
    assert [x for p in parts for x in p] == ids
    assert EGOI_MAX_LIMIT == 1000
    assert chunks([]) == []
    assert chunks([1, 2, 3], size=2) == [[1, 2], [3]]


# -- dates --------------------------------------------------------------------------------------------


def test_parse_egoi_space_form_is_utc() -> None:
    assert parse_datetime("2019-04-01 12:30:23") == datetime(2019, 4, 1, 12, 30, 23, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2019-04-01T12:30:23Z", "2019-04-01T12:30:23z", "2019-04-01T12:30:23+00:00"])
def test_parse_rfc3339_utc(text: str) -> None:
    parsed = parse_datetime(text)
    assert parsed == datetime(2019, 4, 1, 12, 30, 23, tzinfo=UTC)
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


def test_parse_rfc3339_with_offsets() -> None:
    plus = parse_datetime("2019-04-01T12:30:23+01:00")
    assert plus == datetime(2019, 4, 1, 11, 30, 23, tzinfo=UTC)
    assert plus is not None and plus.utcoffset() == timedelta(hours=1)
    minus = parse_datetime("2019-04-01T12:30:23-03:30")
    assert minus == datetime(2019, 4, 1, 16, 0, 23, tzinfo=UTC)


def test_parse_fractional_seconds_and_surrounding_space() -> None:
    assert parse_datetime("  2019-04-01T12:30:23.250Z ") == datetime(2019, 4, 1, 12, 30, 23, 250000, tzinfo=UTC)


def test_parse_date_only() -> None:
    assert parse_datetime("2019-04-01") == datetime(2019, 4, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", [None, "", "   ", "yesterday", "2019-13-01 00:00:00", "2019-04-01T25:00:00Z", "12:30"]
)
def test_parse_unreadable_is_none(value: object) -> None:
    assert parse_datetime(value) is None


@pytest.mark.parametrize("value", [0, 0.0, "0"])
def test_parse_epoch_zero(value: object) -> None:
    assert parse_datetime(value) == datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", [1_700_000_000, 1_700_000_000.5, "1700000000"])
def test_parse_epoch_seconds(value: object) -> None:
    parsed = parse_datetime(value)
    assert parsed is not None
    assert parsed.tzinfo is not None
    assert int(parsed.timestamp()) == 1_700_000_000


@pytest.mark.parametrize("value", [10**20, 1e300, float("inf"), float("nan"), "99999999999999999999", "1700000000000"])
def test_parse_out_of_range_epoch_is_none_not_a_crash(value: object) -> None:
    assert parse_datetime(value) is None


def test_parse_datetime_objects() -> None:
    naive = datetime(2020, 1, 2, 3, 4, 5)
    assert parse_datetime(naive) == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    aware = datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert parse_datetime(aware) is aware


def test_format_datetime_is_egoi_form_in_utc() -> None:
    assert format_datetime(datetime(2019, 4, 1, 12, 30, 23, 999, tzinfo=UTC)) == "2019-04-01 12:30:23"
    lisbon_summer = timezone(timedelta(hours=1))
    assert format_datetime(datetime(2019, 4, 1, 13, 30, 23, tzinfo=lisbon_summer)) == "2019-04-01 12:30:23"
    assert format_datetime(datetime(2019, 4, 1, 12, 30, 23)) == "2019-04-01 12:30:23"  # naive taken as UTC


@given(
    st.one_of(
        st.none(),
        st.text(max_size=40),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.datetimes(),
        st.binary(max_size=10),
        st.lists(st.integers(), max_size=3),
    )
)
def test_parse_datetime_never_raises(value: object) -> None:
    parsed = parse_datetime(value)
    assert parsed is None or (isinstance(parsed, datetime) and parsed.tzinfo is not None)


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_format_then_parse_round_trips_to_the_second(value: datetime) -> None:
    assert parse_datetime(format_datetime(value)) == value.replace(microsecond=0)


@given(
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_rfc3339_output_parses_back_to_the_same_instant(value: datetime, minutes: int) -> None:
    aware = value.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    assert parse_datetime(aware.isoformat()) == aware
    assert parse_datetime(aware.astimezone(UTC).isoformat().replace("+00:00", "Z")) == aware


def test_cursors_of_one_kind_are_refused_by_another() -> None:
    assert decode_cursor(encode_cursor(40, kind="ev"), kind="ev") == 40
    with pytest.raises(InvalidArgumentError):
        decode_cursor(encode_cursor(40, kind="ev"))
    with pytest.raises(InvalidArgumentError):
        decode_cursor(encode_cursor(40), kind="ev")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("01-05-2024", "2024-05-01"), ("2024-05-01", "2024-05-01"), ("2024-05-01 10:00:00", "2024-05-01"),
     ("31-02-2024", None), ("", None), (None, None), ("yesterday", None)],
)  # fmt: skip
def test_parse_day_reads_egois_report_dates(given: object, expected: str | None) -> None:
    assert parse_day(given) == expected


@given(st.one_of(st.none(), st.text(max_size=20), st.integers(), st.dates()))
def test_parse_day_never_raises(value: object) -> None:
    day = parse_day(value)
    assert day is None or len(day) == 10
