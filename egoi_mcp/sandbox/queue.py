"""E-goi's operations queue, for e-mail and SMS sends (`sending.py`, `sms_sending.py`): a send waits in it until
its time, then runs and leaves it.

- A send with a `schedule_date` waits until then; one without waits `delay` (a few seconds: "queued
  briefly"), so that it can still be paused or cancelled, as in E-goi.
- `run_due()` runs every queued send whose time has come, by the sandbox's clock. It runs before every
  request the sandbox serves and, in a running event loop, from a timer armed for each send's time;
  `run_due(flush=True)` also runs the briefly-queued sends at once (what `Sandbox.drain` does).
- Pause keeps a send in the queue without running it; resume queues it again (it runs at once when its
  time has passed); cancel takes it out of the queue, and nothing is sent.

A campaign may have several sends in the queue (to different segments, say). Its status follows them:
`queued` while one waits, `paused` while all are paused, then `sent` once one has run, or `canceled` when
the last was cancelled before any ran. Its `schedule_date` is its earliest scheduled send.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from egoi_mcp.sandbox import sending, sms_sending
from egoi_mcp.sandbox.models import Campaign, Operation

if TYPE_CHECKING:
    from egoi_mcp.sandbox.state import Sandbox


class SendQueue:
    def __init__(self, sandbox: Sandbox, delay: timedelta) -> None:
        self.delay = delay
        self.operations: dict[int, Operation] = {}
        self._sandbox = sandbox
        self._timers: dict[int, asyncio.TimerHandle] = {}

    def add(self, campaign: Campaign, selection: dict[str, Any], at: datetime | None) -> Operation:
        """Queue a send of `campaign` (to its list) at `at`, or briefly when `at` is None."""
        now = self._sandbox.now()
        operation = Operation(
            operation_id=self._sandbox.next_id("operation"),
            campaign_hash=campaign.campaign_hash,
            list_id=campaign.list_id,
            selection=selection,
            created=now,
            start_date=at or now + self.delay,
            scheduled=at is not None,
        )
        self.operations[operation.operation_id] = operation
        self._settle(operation)
        self._arm(operation)
        return operation

    def pending(self, *, campaign_hash: str | None = None, list_id: int | None = None) -> list[Operation]:
        return [
            operation
            for operation in self.operations.values()
            if campaign_hash in (None, operation.campaign_hash) and list_id in (None, operation.list_id)
        ]

    def pause(self, operation: Operation) -> bool:
        """False when the operation is already paused."""
        if operation.status == "paused":
            return False
        operation.status = "paused"
        self._disarm(operation)
        self._settle(operation)
        return True

    def resume(self, operation: Operation) -> bool:
        """False when the operation is not paused."""
        if operation.status != "paused":
            return False
        operation.status = "queued"
        self._settle(operation)
        self._arm(operation)
        return True

    def cancel(self, operation: Operation) -> None:
        del self.operations[operation.operation_id]
        self._disarm(operation)
        self._settle(operation)

    def run_due(self, *, flush: bool = False) -> None:
        now = self._sandbox.now()
        due = [
            operation
            for operation in self.operations.values()
            if operation.status == "queued" and (operation.start_date <= now or (flush and not operation.scheduled))
        ]
        for operation in sorted(due, key=lambda o: (o.start_date, o.operation_id)):
            del self.operations[operation.operation_id]
            self._disarm(operation)
            campaign = self._sandbox.campaigns.get(operation.campaign_hash)
            if campaign is not None:
                channel = sms_sending if campaign.channel == "sms" else sending
                channel.run(
                    self._sandbox, campaign, channel.recipients(self._sandbox, operation.list_id, operation.selection)
                )
                self._settle(operation)

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def _settle(self, operation: Operation) -> None:
        """The status (and schedule) of the operation's campaign, from its sends still in the queue."""
        campaign = self._sandbox.campaigns.get(operation.campaign_hash)
        if campaign is None:
            return
        pending = self.pending(campaign_hash=campaign.campaign_hash)
        statuses = {o.status for o in pending}
        if "queued" in statuses:
            campaign.status = "queued"
        elif statuses:
            campaign.status = "paused"
        else:  # nothing left in the queue: it has run, or was cancelled (a campaign sent before stays sent)
            campaign.status = "sent" if campaign.end_date is not None else "canceled"
        scheduled = [o.start_date for o in pending if o.scheduled]
        if scheduled:
            campaign.schedule_date = min(scheduled)
        elif campaign.status == "canceled":
            campaign.schedule_date = None
        campaign.updated = self._sandbox.now()

    def _arm(self, operation: Operation) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # arranged outside the app (a test): requests and drain() still run it
            return
        wait = max((operation.start_date - self._sandbox.now()).total_seconds(), 0.0)
        self._timers[operation.operation_id] = loop.call_later(wait, self._wake, operation.operation_id)

    def _wake(self, operation_id: int) -> None:
        self._timers.pop(operation_id, None)
        self.run_due()
        operation = self.operations.get(operation_id)
        if operation is not None and operation.status == "queued":  # the clock says not yet: wait again
            self._arm(operation)

    def _disarm(self, operation: Operation) -> None:
        timer = self._timers.pop(operation.operation_id, None)
        if timer is not None:
            timer.cancel()
