"""The `egoi-mcp` command.

egoi-mcp                                   stdio MCP server (what desktop clients start)
egoi-mcp --transport http --port 8000      streamable HTTP at /mcp, webhook receiver, /healthz
egoi-mcp --sandbox                         against the embedded fake E-goi, no account needed
egoi-mcp sandbox --port 8100               serve only the fake E-goi API, for other tools
egoi-mcp webhook-url                       print the receiver URL to register with E-goi (holds its secret)
egoi-mcp token                             print a new random bearer token for EGOI_MCP_AUTH_TOKEN
egoi-mcp audit [--since ISO] [--json]      print the audit trail of destructive actions
"""

from __future__ import annotations

import argparse
import gc
import logging
import re
import sys
import time
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn

from egoi_mcp import __version__
from egoi_mcp.redact import mask_emails, redact

if TYPE_CHECKING:
    from egoi_mcp.config import Settings
    from egoi_mcp.server import EgoiServer

NO_KEY = """\
egoi-mcp: no E-goi API key.
  - Get one in E-goi: your account menu > Integrations > API key, then set EGOI_API_KEY.
  - Or try everything on the built-in sandbox, no account needed:  egoi-mcp --sandbox
"""

EPILOG = """\
environment:
  EGOI_API_KEY          your E-goi API key (E-goi: account menu > Integrations > API key); not needed with --sandbox
  EGOI_MCP_*            every flag above, e.g. EGOI_MCP_TRANSPORT=http, EGOI_MCP_AUTH_TOKEN (32+ characters,
                        required to bind beyond loopback), EGOI_MCP_DB (the event store file)
  OTEL_EXPORTER_OTLP_ENDPOINT  OpenTelemetry traces and metrics to this OTLP/HTTP endpoint (as --otel URL)

commands:
  sandbox               serve only the fake E-goi v3 API over HTTP, for other tools (egoi-mcp sandbox --help)
  webhook-url           print the full webhook receiver URL to register with E-goi (it holds the secret)
  token                 print a new random bearer token for EGOI_MCP_AUTH_TOKEN
  audit                 print the audit trail of destructive actions (egoi-mcp audit --help)
"""

_LOOSE_EMAIL: Final = re.compile(r"([^\s'\"<>(),;:=/*])[^\s'\"<>(),;:=/]*@([^\s'\"<>(),;:]*)")
_REPEAT_WINDOW: Final = 60.0
_REPEATS_SHOWN: Final = 5
_AUDIT: Final = 10_000  # most actions `egoi-mcp audit` prints


class _MaskingFormatter(logging.Formatter):
    """Logs go to stderr with secrets scrubbed and e-mail addresses masked (j***@example.com), valid or not."""

    def format(self, record: logging.LogRecord) -> str:
        text = mask_emails(redact(super().format(record)))
        return _LOOSE_EMAIL.sub(lambda m: m[0] if "***@" in m[0] else f"{m[1]}***@{m[2]}", text)


class _RepeatFilter(logging.Filter):
    """At most `_REPEATS_SHOWN` records of one kind (logger, level, message template) a minute, then a count.

    A flood of the same failure (a client opening connections faster than the server can accept them) must not
    fill the disk with identical tracebacks.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._seen: dict[tuple[str, int, object], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, record.msg)
        now = self._clock()
        start, count = self._seen.get(key, (now, 0))
        if now - start > _REPEAT_WINDOW:
            if count > _REPEATS_SHOWN:
                record.msg = f"{record.msg} (and {count - _REPEATS_SHOWN} more like it in the last minute)"
            start, count = now, 0
        self._seen[key] = (start, count + 1)
        if len(self._seen) > 10_000:
            self._seen.clear()
        return count < _REPEATS_SHOWN


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RepeatFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpx2", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _setting(name: str, about: str = "") -> dict[str, Any]:
    """The help and choices of the flag for `Settings.<name>`, from Settings itself (one home for each default)."""
    from egoi_mcp.config import Settings

    field = Settings.model_fields[name]
    choices = typing.get_args(field.annotation) if typing.get_origin(field.annotation) is Literal else ()
    text = f"EGOI_MCP_{name.upper()} (default {field.default})" + (f": {about}" if about else "")
    return {"help": text, **({"choices": list(choices)} if choices else {})}


def _parser() -> argparse.ArgumentParser:
    from egoi_mcp.tools import TOOLSET_NAMES  # the one table of toolset names

    p = argparse.ArgumentParser(
        prog="egoi-mcp",
        description="MCP server for the E-goi marketing API (needs EGOI_API_KEY, or --sandbox). "
        "Every flag also has an EGOI_MCP_* variable.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"egoi-mcp {__version__}")
    p.add_argument("--transport", **_setting("transport"))
    p.add_argument("--host", **_setting("host"))
    p.add_argument("--port", type=int, **_setting("port"))
    p.add_argument("--sandbox", action="store_true", default=None, help="use the embedded fake E-goi (no key)")
    p.add_argument("--read-only", action="store_true", default=None, help="register only read tools")
    p.add_argument(
        "--toolsets",
        help=f"comma-separated, registered and listed (default: a core set listed, the rest found with "
        f"egoi_find_tools): {','.join(TOOLSET_NAMES)}, or all",
    )
    p.add_argument("--allowed-host", action="append", dest="allowed_hosts", help="extra Host/Origin to accept")
    p.add_argument("--webhook-listen", metavar="HOST:PORT", help="stdio mode: also receive webhooks here")
    p.add_argument("--auth", **_setting("auth", "oauth hosts a connector for a team, each user linking their own "
                   "E-goi key (needs EGOI_MCP_SECRET_KEY; docs/hosting.md)"))  # fmt: skip
    p.add_argument("--confirm", **_setting("confirm"))
    p.add_argument(
        "--hide-user-content", action="store_const", const="hide", dest="user_content",
        help="EGOI_MCP_USER_CONTENT=hide: leave free text written by others (event payloads...) out of results",
    )  # fmt: skip
    p.add_argument("--log-level", **_setting("log_level"))
    p.add_argument(
        "--otel", nargs="?", const="http://localhost:4318", dest="otel_endpoint", metavar="URL",
        help="OTEL_EXPORTER_OTLP_ENDPOINT: export traces and metrics over OTLP/HTTP (needs egoi-mcp[otel]; "
        "default URL http://localhost:4318)",
    )  # fmt: skip
    sub = p.add_subparsers(dest="command", metavar="{sandbox,webhook-url,token,audit}")
    sb = sub.add_parser("sandbox", help="serve only the fake E-goi v3 API over HTTP, for other tools")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=int, default=8100)
    sub.add_parser("webhook-url", help="print the webhook receiver URL to register with E-goi (holds the secret)")
    sub.add_parser("token", help="print a new random bearer token for EGOI_MCP_AUTH_TOKEN")
    au = sub.add_parser("audit", help="print the audit trail of destructive actions, oldest first")
    au.add_argument("--since", metavar="ISO", help="only actions started at or after this time (UTC if no zone)")
    au.add_argument("--json", action="store_true", dest="as_json", help="one JSON array, newest first")
    return p


def main(argv: list[str] | None = None) -> None:
    collecting = gc.isenabled()
    gc.disable()  # until the server is built: see _serving
    try:
        _main(argv)
    finally:  # an in-process caller gets the collector back as it was, and its objects back in the collector's sight
        gc.unfreeze()
        (gc.enable if collecting else gc.disable)()


def _serving() -> None:
    """From here on the process serves: what start-up made (the modules, their tables, the server) lives as long
    as the process, and start-up leaves next to no garbage (about 1,500 objects, measured). So the cyclic collector
    stays off while it is made (each pass would walk the ~150,000 objects made so far, 50-60 ms in all) and then
    gets them out of its sight (`gc.freeze`): the passes while serving walk only what serving makes."""
    gc.freeze()
    gc.enable()


def _main(argv: list[str] | None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        from egoi_mcp.sandbox import serve

        setup_logging("INFO")
        _serving()
        serve(host=args.host, port=args.port)
        return
    if args.command == "token":
        print(_new_token())
        return

    settings = _settings(args)
    setup_logging(settings.log_level)
    if args.command == "webhook-url":
        _print_webhook_url(settings)
        return
    if args.command == "audit":
        _print_audit(settings, args.since, as_json=args.as_json)
        return
    if not settings.sandbox and not settings.key and settings.auth != "oauth":
        sys.stderr.write(NO_KEY)
        sys.exit(2)

    from egoi_mcp.access import check_exposure

    if settings.transport == "http":
        check_exposure(settings)
    server = _start(settings)
    log = logging.getLogger("egoi_mcp")
    if settings.sandbox:
        log.info("running on the embedded sandbox: nothing reaches E-goi and nobody is mailed")
    receiver = server.receiver_url()
    if receiver:
        log.info("webhook receiver: %s (egoi-mcp webhook-url prints it in full)", redact(receiver))
    _raise_open_files_limit()
    _serving()
    if settings.transport == "http":
        _serve_http(server)
    else:
        import anyio

        from egoi_mcp._stdio import run_stdio

        anyio.run(run_stdio, server.mcp)


def _settings(args: argparse.Namespace) -> Settings:
    from pydantic import ValidationError

    from egoi_mcp.config import Settings
    from egoi_mcp.tools import selected_tools

    skip = ("command", "since", "as_json")
    overrides: dict[str, Any] = {k: v for k, v in vars(args).items() if v is not None and k not in skip}
    try:
        settings = Settings(**overrides)
        selected_tools(read_only=settings.read_only, toolsets=settings.toolsets)  # names the valid toolsets
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        _fail(f"bad configuration: {problems}")
    except ValueError as exc:
        _fail(f"bad configuration: toolsets: {exc}")
    return settings


def _fail(problem: str) -> NoReturn:
    """One line on stderr, secrets scrubbed, and exit code 2 (what a usage error exits with)."""
    sys.stderr.write(redact(f"egoi-mcp: {problem}").replace("\n", " ") + "\n")
    sys.exit(2)


def _new_token() -> str:
    """A random bearer token that EGOI_MCP_AUTH_TOKEN accepts (256 bits, URL-safe characters)."""
    import secrets

    from egoi_mcp.config import weak_token

    while True:
        token = secrets.token_urlsafe(32)
        if weak_token(token) is None:
            return token


def _start(settings: Settings) -> EgoiServer:
    """Build the server (which opens and checks its store): a fault is one actionable line and exit code 2."""
    from egoi_mcp.server import build_server
    from egoi_mcp.store import StoreError

    try:
        return build_server(settings)
    except StoreError as exc:
        _fail(str(exc))


def _print_webhook_url(settings: Settings) -> None:
    server = _start(settings)
    url = server.receiver_url()
    if url is None:
        sys.exit(
            "egoi-mcp: this server has no public address: set EGOI_MCP_PUBLIC_URL (e.g. https://mcp.example.com), "
            "or use --transport http or --webhook-listen HOST:PORT"
        )
    print(url)


def _print_audit(settings: Settings, since: str | None, *, as_json: bool) -> None:
    """The audit trail from the store (`--since`: ISO 8601; a time without a zone is UTC)."""
    import json
    from datetime import UTC, datetime

    import anyio

    from egoi_mcp.audit import AuditTrail, entries_table, entry_json
    from egoi_mcp.store import StoreError, open_store

    try:
        start = datetime.fromisoformat(since) if since else None
    except ValueError:
        _fail(f"INVALID_ARGUMENT: --since must be an ISO 8601 date or time (e.g. 2026-05-01T09:00Z), not {since!r}")
    start = start.replace(tzinfo=UTC) if start and start.tzinfo is None else start

    async def read() -> list[Any]:
        store = await open_store(settings.db, max_events=settings.events_max, max_age_days=settings.events_max_age_days)
        try:
            return await AuditTrail(store, max_age_days=settings.audit_max_age_days).recent(since=start, limit=_AUDIT)
        finally:
            await store.close()

    try:
        entries = anyio.run(read)
    except StoreError as exc:
        _fail(str(exc))
    print(json.dumps([entry_json(e) for e in entries], indent=2) if as_json else entries_table(entries).rstrip("\n"))


def _raise_open_files_limit() -> None:
    """Raise the soft open-files limit to the hard one: each idle client connection holds a descriptor."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):  # not on this platform, or not allowed: keep the default
        pass


def _connection_limit() -> int:
    """Concurrent connections uvicorn serves before answering 503: under the open-files limit, with room."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError):
        return 1000
    return 1000 if soft == resource.RLIM_INFINITY else max(32, min(1000, soft - 64))


def _serve_http(server: EgoiServer) -> None:
    import uvicorn

    from egoi_mcp._uvicorn import DeadlineProtocol
    from egoi_mcp.server import build_app

    settings = server.settings
    logging.getLogger("egoi_mcp").info("MCP endpoint: http://%s:%d/mcp", settings.host, settings.port)
    uvicorn.run(
        build_app(server),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        log_config=None,
        http=DeadlineProtocol,  # a request head within 10 s, a body within 30 s and at a minimum rate
        timeout_keep_alive=5,  # idle keep-alive connections are closed after 5 s
        limit_concurrency=_connection_limit(),  # at the cap the stalest idle or slow connection is shed
        h11_max_incomplete_event_size=64 * 1024,  # a request head larger than this is refused
        timeout_graceful_shutdown=5,
    )
