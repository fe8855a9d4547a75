"""Real token counts: OpenAI's o200k_base encoding (GPT-4o and later), what the model reads.

`bpe-openai` wraps GitHub's `bpe` crate and carries the encoding's tables in the package; tiktoken would
download them on first use, and CI has no network beyond the package registries. bytes/4, the estimate used
before, undercounts these texts by up to a third.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

__all__ = ["json_tokens", "tokens"]


@cache
def _encoding() -> Any:
    import bpe_openai

    return bpe_openai.get_encoding("o200k_base")


def tokens(text: str) -> int:
    """How many o200k tokens `text` is."""
    return len(_encoding().encode(text))


def json_tokens(value: Any) -> int:
    """Tokens of `value` as compact JSON, the way a client passes a tool definition to the model."""
    return tokens(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
