"""What the job tests share: a CSV of contacts with bad rows, a sandbox whose answer to one import batch is
held (applied, not yet answered) until the test lets it go, and E-goi as several accounts behind one address."""

from __future__ import annotations

import asyncio
import threading

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KEY = "restart-test-api-key-0123456789abcdef"
HOLD_AT = 5  # the import-bulk request whose answer is held until the server is dead


class HoldAnswer:
    """Lets the `HOLD_AT`-th import-bulk request be applied, then holds its answer until `release` is set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.imports = 0
        self.applied = threading.Event()
        self.release = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/import-bulk"):
            await self.app(scope, receive, send)
            return
        self.imports += 1
        if self.imports != HOLD_AT:
            await self.app(scope, receive, send)
            return

        async def held(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.applied.set()
                while not self.release.is_set():
                    await asyncio.sleep(0.05)
            await send(message)

        await self.app(scope, receive, held)


class ByKey:
    """E-goi serving several accounts at one address, as the real one does: each request goes to the sandbox
    account of its `Apikey` header (an unknown key gets the first one, which refuses it)."""

    def __init__(self, accounts: dict[str, ASGIApp]) -> None:
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = dict(scope.get("headers", [])).get(b"apikey", b"").decode() if scope["type"] == "http" else ""
        app = self.accounts.get(key) or next(iter(self.accounts.values()))
        await app(scope, receive, send)


BAD = {  # row number -> (the row's cells, what the reason says)
    7: ("not-an-address,Ana,Lisboa,Gold", "not a valid e-mail address"),
    19: (",Rui,Porto,Silver", "no e-mail address"),
    33: ("p31@example.com,Eva,Faro,Platinum", "not an option of"),
    101: ("p99@example.com,Luis,Braga,Gold", "e-mail address of row"),
}


def contacts_csv(rows: int = 3000, bad: int = 20) -> tuple[str, dict[int, str]]:
    """`rows` data rows of e-mail, first name, city and plan (an options field by label); `bad` of them wrong in
    one of four ways. Returns the CSV and, by row number, a word of the reason each bad row must get."""
    lines, reasons = ["email,first_name,city,plan"], {}
    spread = sorted({7, 19, 33, 101, *(200 + 140 * i for i in range(bad - 4))}) if bad else []
    for number in range(1, rows + 1):
        if number in spread:
            kind = (7, 19, 33, 101)[spread.index(number) % 4]
            cells, reason = BAD[kind]
            if kind == 101:
                cells = f"p{number - 2}@example.com,Dup,Braga,Gold"
            reasons[number] = reason
        else:
            cells = f"p{number}@example.com,Name{number},City{number % 7},{('Bronze', 'Silver', 'Gold')[number % 3]}"
        lines.append(cells)
    return "\n".join(lines) + "\n", reasons
