"""`client.account`: who the API key belongs to (`GET /my-account`), and whether E-goi answers at all."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from egoi_mcp.client._core import Resource, parse
from egoi_mcp.models import json_object


class Account(BaseModel):
    model_config = ConfigDict(extra="ignore")

    client_id: str | None = None
    name: str | None = None
    website: str | None = None
    plan: str | None = None  # enterprise, free, pro, starter, trial or base

    @classmethod
    def from_egoi(cls, data: dict[str, Any]) -> Account:
        info = json_object(data.get("general_info"))
        plan = json_object(data.get("plan_info")).get("type")
        return cls(
            client_id=None if info.get("client_id") is None else str(info["client_id"]),
            name=info.get("name"), website=info.get("website"), plan=plan,
        )  # fmt: skip


class AccountAPI(Resource):
    async def get(self) -> Account:
        """The account's general info and plan (`GET /my-account`)."""
        return parse(Account.from_egoi, json_object(await self._core.request("GET", "/my-account")))

    async def ping(self) -> bool:
        """True when E-goi answers `POST /ping`."""
        body = await self._core.request("POST", "/ping")
        return isinstance(body, dict) and body.get("result") == "pong"
