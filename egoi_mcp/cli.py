"""The `egoi-mcp` command.

egoi-mcp                                   stdio MCP server (what desktop clients start)
egoi-mcp --transport http --port 8000      streamable HTTP at /mcp, webhook receiver, /healthz
egoi-mcp --sandbox                         against the embedded fake E-goi, no account needed
egoi-mcp sandbox --port 8100               serve only the fake E-goi API, for other tools
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import sys
from typing import Any

from egoi_mcp import __version__

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")

NO_KEY = """\
egoi-mcp: no E-goi API key.
  - Get one in E-goi: your account menu > Integrations > API key, then set EGOI_API_KEY.
  - Or try everything on the built-in sandbox, no account needed:  egoi-mcp --sandbox
"""


class _MaskingFormatter(logging.Formatter):
    """Logs go to stderr with e-mail addresses masked (j***@example.com)."""

    def format(self, record: logging.LogRecord) -> str:
        return _EMAIL.sub(r"\1***@\2", super().format(record))


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpx2", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="egoi-mcp",
        description="MCP server for the E-goi marketing API. Every flag also has an EGOI_MCP_* variable.",
    )
    p.add_argument("--version", action="version", version=f"egoi-mcp {__version__}")
    p.add_argument("--transport", choices=["stdio", "http"], help="EGOI_MCP_TRANSPORT (default stdio)")
    p.add_argument("--host", help="EGOI_MCP_HOST (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="EGOI_MCP_PORT (default 8000)")
    p.add_argument("--sandbox", action="store_true", default=None, help="use the embedded fake E-goi (no key)")
    p.add_argument("--read-only", action="store_true", default=None, help="register only read tools")
    p.add_argument("--toolsets", help="comma-separated: contacts,lists,tags,campaigns,segments,events,webhooks")
    p.add_argument("--allowed-host", action="append", dest="allowed_hosts", help="extra Host/Origin to accept")
    p.add_argument("--webhook-listen", metavar="HOST:PORT", help="stdio mode: also receive webhooks here")
    p.add_argument("--confirm", choices=["flag", "elicit"], help="EGOI_MCP_CONFIRM (default flag)")
    p.add_argument("--log-level", help="EGOI_MCP_LOG_LEVEL (default INFO)")
    sub = p.add_subparsers(dest="command")
    sb = sub.add_parser("sandbox", help="serve only the fake E-goi v3 API over HTTP")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=int, default=8100)
    return p


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        from egoi_mcp.sandbox import serve

        setup_logging("INFO")
        serve(host=args.host, port=args.port)
        return

    from pydantic import ValidationError

    from egoi_mcp.config import Settings

    overrides: dict[str, Any] = {k: v for k, v in vars(args).items() if v is not None and k not in ("command",)}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        sys.exit(f"egoi-mcp: bad configuration: {problems}")
    setup_logging(settings.log_level)
    if not settings.sandbox and not settings.key:
        sys.stderr.write(NO_KEY)
        sys.exit(2)

    from egoi_mcp.server import build_server, check_exposure

    if settings.transport == "http":
        check_exposure(settings)
    server = build_server(settings)
    log = logging.getLogger("egoi_mcp")
    if settings.sandbox:
        log.info("running on the embedded sandbox: nothing reaches E-goi and nobody is mailed")
    receiver = server.runtime.receiver_url()
    if receiver and not settings.webhook_secret:
        log.info("webhook receiver: %s", receiver)
    if settings.transport == "http":
        _serve_http(server)
    else:
        import anyio

        anyio.run(_serve_stdio, server)


def _serve_http(server: Any) -> None:
    import uvicorn

    from egoi_mcp.server import build_app

    settings = server.runtime.settings
    logging.getLogger("egoi_mcp").info("MCP endpoint: http://%s:%d/mcp", settings.host, settings.port)
    uvicorn.run(build_app(server), host=settings.host, port=settings.port, log_level="warning", log_config=None)


async def _serve_stdio(server: Any) -> None:
    """Serve MCP on stdin/stdout (and webhooks on --webhook-listen) until stdin closes, then close cleanly."""
    try:
        if server.runtime.settings.webhook_listen:
            await _serve_stdio_with_receiver(server)
        else:
            await server.mcp.run_stdio_async()
    finally:
        await server.aclose()


async def _serve_stdio_with_receiver(server: Any) -> None:
    import anyio
    import uvicorn
    from starlette.applications import Starlette

    host, _, port = server.runtime.settings.webhook_listen.rpartition(":")
    config = uvicorn.Config(
        Starlette(routes=server.webhook_routes), host=host, port=int(port), log_level="warning", log_config=None
    )
    receiver = uvicorn.Server(config)
    # Signals belong to the stdio server: SIGTERM must end the process, not just the receiver.
    receiver.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(receiver.serve)
        await server.mcp.run_stdio_async()
        receiver.should_exit = True
