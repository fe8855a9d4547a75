"""`client.operations`: E-goi's queue of sends (queued, scheduled, running or paused), and cancelling them."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from egoi_mcp._json import json_object
from egoi_mcp.client._call_budget import Listing
from egoi_mcp.client._channels import Channel
from egoi_mcp.client._core import Resource, parse
from egoi_mcp.client._transport import Retry
from egoi_mcp.client._validate import check_campaign
from egoi_mcp.errors import ConflictError
from egoi_mcp.models import Operation


class OperationsAPI(Resource):
    async def list(self, type: str | None = "email", *, reserve: int = 0) -> Listing[Operation]:
        """The account's pending operations of one `type` (`GET /operations`), every page within the call's
        request bound, leaving `reserve` requests for what follows; `complete` says whether all were read."""
        items = await self._core.every("/operations", params={"type": type}, reserve=reserve)
        return Listing((parse(Operation.from_egoi, item) for item in items), complete=items.complete)

    async def pending(self, campaign_id: str, *, channel: Channel = "email", reserve: int = 0) -> Listing[Operation]:
        """A campaign's sends still in E-goi's queue (operations of its `channel`, `email` or `sms`: see
        `route`); `complete` is False when the queue was longer than one call may read (then more may wait)."""
        check_campaign(campaign_id)
        found = await self.list(channel, reserve=reserve)
        return Listing((op for op in found if op.campaign_id == campaign_id), complete=found.complete)

    async def cancel(self, operations: Sequence[Operation]) -> builtins.list[Operation]:
        """Cancel these operations: one call (`POST /operations/actions/cancel`); returns those cancelled. When
        E-goi cancels none (they already started), that is a conflict naming why."""
        if not operations:
            return []
        ids = builtins.list(dict.fromkeys(op.id for op in operations))
        body = json_object(
            await self._core.request("POST", "/operations/actions/cancel", json={"operations": ids}, retry=Retry.ON_429)
        )
        done = {i for i in body.get("success") or [] if isinstance(i, int)}
        cancelled = [op for op in operations if op.id in done]
        if not cancelled:
            errors = json_object(body.get("error"))
            why = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in errors.items() if v) or "no reason given"
            raise ConflictError(
                f"E-goi cancelled none of the campaign's {len(operations)} pending send(s) ({why}); a send that "
                "already started cannot be stopped: check pending_sends",
                status=200,
            )
        return cancelled

    async def cancel_campaign(self, campaign_id: str, *, channel: Channel = "email") -> Listing[Operation]:
        """Cancel a campaign's pending sends (read them, then one cancel); returns those cancelled, empty when
        nothing was pending. `complete` is False when the queue was longer than one call may read."""
        pending = await self.pending(campaign_id, channel=channel, reserve=1)
        return Listing(await self.cancel(pending), complete=pending.complete)
