"""Output schemas name the fields that share a type under one `patternProperties` regex, each shared word said
once (`(unique_)?(opens|clicks)`, `(hard|soft)_bounces`). Whatever the names, the regex matches exactly them:
a client validating a result against it accepts each field and nothing else made of the same words."""

from __future__ import annotations

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from egoi_mcp.tools._schemas import _pattern, strict_output_schema

WORDS = ("unique", "opens", "clicks", "hard", "soft", "bounces", "rate", "open", "id", "by", "day")


def _candidates(names: list[str]) -> set[str]:
    """Every name of one to three of the names' words: the near misses a loose pattern would let through."""
    words = sorted({w for n in names for w in n.split("_")})
    return {"_".join(p) for k in (1, 2, 3) for p in itertools.product(words, repeat=k)}


@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("_".join), min_size=2, unique=True))
def test_a_pattern_matches_exactly_its_names(names: list[str]) -> None:
    pattern = re.compile(_pattern(names))
    for candidate in _candidates(names) | set(names):
        assert bool(pattern.search(candidate)) == (candidate in names), (names, pattern.pattern, candidate)


def test_the_reports_counts_say_each_word_once() -> None:
    counts = ["sent", "delivered", "opens", "unique_opens", "clicks", "unique_clicks", "hard_bounces"]
    counts += ["soft_bounces", "unsubscribes", "complaints"]
    assert _pattern(counts) == "^(sent|delivered|(unique_)?(opens|clicks)|(hard|soft)_bounces|unsubscribes|complaints)$"
    assert _pattern(["open_rate", "click_rate", "bounce_rate"]) == "^(open|click|bounce)_rate$"


def test_every_report_field_is_typed_by_exactly_one_pattern() -> None:
    from egoi_mcp.models import CampaignReport

    schema = strict_output_schema(CampaignReport.model_json_schema())
    typed = schema.get("properties", {})
    for name in CampaignReport.model_fields:
        found = [sub for key, sub in schema.get("patternProperties", {}).items() if re.search(key, name)]
        assert len(found) + (name in typed) == 1, name
