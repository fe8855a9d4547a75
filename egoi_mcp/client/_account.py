"""`client.account`: who the API key belongs to (`GET /my-account`), and whether E-goi answers at all."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict

from egoi_mcp._json import json_object
from egoi_mcp.client._core import Resource, parse


class Account(BaseModel):
    model_config = ConfigDict(extra="ignore")

    client_id: str | None = None
    name: str | None = None
    website: str | None = None
    plan: str | None = None  # enterprise, free, pro, starter, trial or base
    balance: float | None = None  # the account's credits (what SMS sends spend), None when E-goi gives none
    currency: str | None = None

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Account:
        info = json_object(data.get("general_info"))
        plan = json_object(data.get("plan_info")).get("type")
        balance = json_object(data.get("balance_info"))
        return cls(
            client_id=None if info.get("client_id") is None else str(info["client_id"]),
            name=info.get("name"), website=info.get("website"), plan=plan,
            balance=_amount(balance.get("balance")), currency=balance.get("currency") or None,
        )  # fmt: skip


def _amount(value: Any) -> float | None:
    """E-goi's balance, a decimal string ("123.45"), as a number; None when it is missing or not a number."""
    try:
        amount = float(str(value).strip())
    except ValueError:
        return None
    return amount if math.isfinite(amount) else None


class AccountAPI(Resource):
    async def get(self) -> Account:
        """The account's general info, plan and balance (`GET /my-account`)."""
        return parse(Account.from_egoi, json_object(await self._core.request("GET", "/my-account")))

    async def ping(self) -> bool:
        """True when E-goi answers `POST /ping`."""
        body = await self._core.request("POST", "/ping")
        return isinstance(body, dict) and body.get("result") == "pong"
