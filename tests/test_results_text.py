"""A result's text is its data as compact JSON, whichever encoder writes it: pydantic-core (three to four times faster
than `json` for a page), or `json` for what pydantic-core refuses (a lone surrogate). Both write text as `json` does;
of numbers, only the spelling of some floats may differ (`0.00001` for `1e-05`): the same values."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from pydantic import ConfigDict

from egoi_mcp._model import Model
from egoi_mcp.models import Contact, Page, TagRef
from egoi_mcp.tools._results import compact_json, plain

TRICKY = ['quote " backslash \\ slash /', "\x00\x1f\x7f\b\f\n\r\t", "\u2028\u2029 ç € 😀 \uffff", "<b>&amp;</b>", ""]


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("text", [*TRICKY, "lone \ud800 surrogate"])
def test_a_page_of_contacts_is_written_as_json_writes_it(text: str) -> None:
    contact = Contact(id=text or "x", list_id=2**70, email=text, first_name=text, tags=[TagRef(id=2**40, name=text)])
    for page in (
        Page(items=[contact, Contact(id="b")], total=2, next_cursor=None),  # as listings make it
        Page[Contact](items=[contact, Contact(id="b")], total=2, next_cursor=None),
    ):
        result = plain(page)
        assert result.text == json_text(result.data) == compact_json(result.data)
        assert result.data["next_cursor"] is None and result.text.endswith(',"next_cursor":null}')


class Rates(Model):
    rate: float
    share: float | None = None


class Loose(Model):
    model_config = ConfigDict(extra="allow")
    name: str


@pytest.mark.parametrize(
    "value",
    [Rates(rate=1e-05, share=1e16), Rates(rate=0.1), Rates(rate=0.30000000000000004), Loose(name="a", ratio=2.5e-7)],
)
def test_floats_are_the_same_numbers(value: Model) -> None:
    result = plain(value)
    assert json.loads(result.text) == result.data
    assert set(result.text) <= set(json_text(result.data)) | set("0123456789.e-+")


def test_what_json_itself_writes_for_nan_and_infinity() -> None:
    result = plain(Rates(rate=math.nan, share=math.inf))
    assert result.text == json_text(result.data) == '{"rate":NaN,"share":Infinity}'
