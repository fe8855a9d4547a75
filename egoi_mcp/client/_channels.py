"""Which E-goi routes a campaign takes, by its channel: the one place a send, a cancel and a report choose between
e-mail (`/campaigns/email/...`, `/reports/email/...`, operations of type `email`) and SMS (`.../sms/...`)."""

from __future__ import annotations

from typing import Literal

from egoi_mcp.errors import InvalidArgumentError
from egoi_mcp.models import Campaign
from egoi_mcp.untrusted import quote

Channel = Literal["email", "sms"]


def route(campaign: Campaign) -> Channel:
    """`email` or `sms`, the path segment (and operation type) of the campaign's channel; any other channel is
    refused before a call. A campaign E-goi lists without a channel is taken as e-mail."""
    channel = campaign.channel or "email"
    if channel == "sms":
        return "sms"
    if channel == "email":
        return "email"
    raise InvalidArgumentError(
        f"campaign {quote(campaign.name)} is a {channel} campaign: this server sends, cancels and reports e-mail and "
        "SMS campaigns only; use E-goi for the others",
        code="CHANNEL_NOT_SUPPORTED",
    )
