"""SMS toolset: write an SMS campaign. Sending, cancelling and reporting it are the campaign tools' job, routed by
the campaign's channel; `sms_cost` is what their previews say (and refuse) for an SMS send.

A write runs once and is never retried blindly, like an e-mail campaign's.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from egoi_mcp.client import SendPlan
from egoi_mcp.errors import InsufficientBalanceError
from egoi_mcp.runtime import Runtime, runtime
from egoi_mcp.sms import SmsCampaign, sms_length
from egoi_mcp.tools._base import Length, ListId, Toolset, tool
from egoi_mcp.untrusted import quote

SenderRef = Annotated[str, Length(254, 1), Field(description="number, name or id (egoi_list_senders channel=sms)")]


@tool("Create SMS campaign")
async def egoi_create_sms_campaign(
    list_id: ListId,
    sender: SenderRef,
    text: Annotated[str, Length(2_000, 1)],
    ctx: Context,
    name: Annotated[str | None, Length(255)] = None,
) -> SmsCampaign:
    """Create a draft SMS campaign; says its parts (GSM-7 160/153 chars, UCS-2 70/67)."""
    return await runtime(ctx).client.campaigns.create_sms(list_id, sender, text, name=name)


async def sms_cost(rt: Runtime, send: SendPlan, recipients: int) -> str:
    """The words an SMS send's preview adds: message parts and estimated credits against the balance (one call,
    `GET /my-account`). One part per message is assumed for a text this server did not write (E-goi does not
    return it). Refused when the balance is short of the estimate: nothing is sent."""
    text = await rt.client.campaigns.sms_text(send.campaign.id)
    length = sms_length(text) if text is not None else None
    parts = length.parts if length is not None else 1
    credits = recipients * parts
    account = await rt.client.account.get()
    balance = "an unknown balance" if account.balance is None else f"{account.balance:g} {account.currency or ''}"
    if account.balance is not None and credits > account.balance:
        raise InsufficientBalanceError(
            f"SMS campaign {quote(send.campaign.name)} needs about {credits} credits ({recipients} recipient(s) × "
            f"{parts} part(s)) and the account has {balance.strip()}: nothing was sent; top up the balance in E-goi "
            "or send to fewer contacts"
        )
    each = f"{parts} part(s) each" + (f" ({length.characters} {length.encoding} characters)" if length else
                                      " (text not written through this server: 1 part assumed)")  # fmt: skip
    return f"; {each}, about {credits} credits of {balance.strip()}"


TOOLSET = Toolset(
    "sms",
    (egoi_create_sms_campaign,),
    about="An SMS campaign is sent, cancelled and reported with the campaign tools; its preview states the "
    "recipients with a mobile number, message parts and credits.",
)
