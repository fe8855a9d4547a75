"""SMS facts that need no E-goi call: how many message parts a text takes, and the SMS report's own shape.

A text is sent in GSM-7 when every character is in the GSM 03.38 alphabet: 160 characters fit one message,
and a longer text is split into parts of 153 (each part carries a header). The alphabet's extension characters
(`€ [ ] { } ^ ~ | \\` and form feed) take two places each. Any other character (`ç`, `ã`, an emoji) makes the
whole text UCS-2: 70 characters in one message, parts of 67, a character outside the BMP (most emoji) taking
two. E-goi's `encoding` option names the three cases `gsm`, `gsm_extended` and `unicode`.
"""

from __future__ import annotations

from math import ceil
from typing import Any, Literal

from pydantic import ConfigDict, Field

from egoi_mcp._model import Model

__all__ = ["MAX_PARTS", "NetworkStats", "SmsCampaign", "SmsLength", "SmsReport", "sms_length"]

MAX_PARTS = 7  # E-goi's `max_messages` is at most 7

_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# encoding -> (characters in a single message, characters per part of a longer one)
_SIZES = {"gsm": (160, 153), "unicode": (70, 67)}

Encoding = Literal["gsm", "gsm_extended", "unicode"]


class SmsLength(Model):
    # How a text is sent: E-goi's encoding, its length in that encoding's units, and the message parts it takes.
    model_config = ConfigDict(frozen=True)

    encoding: Encoding
    characters: int
    parts: int


def sms_length(text: str) -> SmsLength:
    """The encoding, length and message parts of `text` (see the module docstring); an empty text is 0 parts."""
    if all(c in _GSM7 or c in _GSM7_EXTENSION for c in text):
        extended = sum(c in _GSM7_EXTENSION for c in text)
        units, encoding, sizes = len(text) + extended, "gsm_extended" if extended else "gsm", _SIZES["gsm"]
    else:
        units, encoding, sizes = len(text.encode("utf-16-le")) // 2, "unicode", _SIZES["unicode"]
    single, part = sizes
    parts = 0 if units == 0 else 1 if units <= single else ceil(units / part)
    return SmsLength(encoding=encoding, characters=units, parts=parts)  # type: ignore[arg-type]


class SmsCampaign(Model):
    # A draft SMS campaign as written: its text, and the encoding and message parts each recipient costs.
    id: str
    name: str
    status: str = "draft"
    list_id: int
    sender: str
    text: str
    encoding: Encoding
    characters: int
    parts: int


class NetworkStats(Model):
    # One mobile network's share of an SMS send (the network name is E-goi's).
    network: str
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    invalid: int = 0
    pending: int = 0

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> NetworkStats:
        return cls(
            network=str(data.get("network") or "")[:_MAX_NAME], sent=_count(data.get("sends")),
            delivered=_count(data.get("delivered")), failed=_count(data.get("error")),
            invalid=_count(data.get("invalid")), pending=_count(data.get("pending")),
        )  # fmt: skip


class SmsReport(Model):
    # The SMS side of a campaign report: what did not arrive (failed by the network, invalid numbers), what is
    # still on its way, and each network's share. E-goi's SMS report has no replies.
    destinations: int = 0
    failed: int = 0
    invalid: int = 0
    pending: int = 0
    delivery_rate: float = 0.0
    by_network: list[NetworkStats] = Field(default_factory=list)

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> tuple[int, int, SmsReport]:
        """Read E-goi's `PhoneReport` (`overall`, `networks`): (sent, delivered, the rest)."""
        found = data.get("overall")
        overall: dict[str, Any] = found if isinstance(found, dict) else {}
        sent, delivered = _count(overall.get("sends")), _count(overall.get("delivered"))
        networks = [n for n in data.get("networks") or [] if isinstance(n, dict)][:_MAX_NETWORKS]
        report = cls(
            destinations=_count(overall.get("destinations")),
            failed=_count(overall.get("error")),
            invalid=_count(overall.get("invalid")),
            pending=_count(overall.get("pending")),
            delivery_rate=round(100 * delivered / sent, 1) if sent else 0.0,
            by_network=[NetworkStats.from_egoi(n) for n in networks],
        )
        return sent, delivered, report


_MAX_NETWORKS = 50
_MAX_NAME = 100


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
