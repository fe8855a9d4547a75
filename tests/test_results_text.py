"""A result's text is `compact_json` of its data, byte for byte, whichever encoder writes it: pydantic-core for models
that hold no float (twice as fast), `json` for the others (floats are written differently: 1e-05, not 1e-5) and for
what pydantic-core refuses (a lone surrogate)."""

from __future__ import annotations

import json
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
        Page(
            items=[contact, Contact(id="b")], total=2, next_cursor=None
        ),  # as listings make it: items typed at run time
        Page[Contact](items=[contact, Contact(id="b")], total=2, next_cursor=None),
    ):
        result = plain(page)
        assert result.text == json_text(result.data) == compact_json(result.data)
        assert result.data["next_cursor"] is None and result.text.endswith(',"next_cursor":null}')


def test_a_page_of_models_with_floats_is_written_as_json_writes_it() -> None:
    page = Page(items=[Rates(rate=1e-05), Rates(rate=2.5, share=1e16)], total=None, next_cursor=None)
    result = plain(page)
    assert result.text == json_text(result.data) and "1e-05" in result.text


class Rates(Model):
    rate: float
    share: float | None = None


class Loose(Model):
    model_config = ConfigDict(extra="allow")
    name: str


@pytest.mark.parametrize(
    "value",
    [Rates(rate=1e-05, share=1e16), Rates(rate=0.1), Rates(rate=float("nan")), Loose(name="a", ratio=2.5e-7)],
)
def test_floats_and_open_values_are_written_as_json_writes_them(value: Model) -> None:
    result = plain(value)
    assert result.text == json_text(result.data)
