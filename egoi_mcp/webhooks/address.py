"""Where E-goi can reach this server: the base URL its webhooks (and callbacks) are sent to, and each account's
receiver path.

A single-account server has one receiver, `/webhooks/egoi/{secret}`. A hosted server also has one per linked
E-goi account, `/webhooks/egoi/{account}/{secret}`, whose secret is derived from the server's seal key and the
account (`account_secret`): checked by computing it again, with nothing to look up, and never the same for two
accounts, so one account's URL tells nothing about another's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

from egoi_mcp.config import Settings

__all__ = ["RECEIVER_PATH", "account_secret", "public_url", "receiver_path", "receiver_url"]

RECEIVER_PATH: Final = "/webhooks/egoi"

_WILDCARD: Final = ("0.0.0.0", "::", "")


def account_secret(seal_key: bytes, account: str) -> str:
    """The URL secret of `account`'s receiver: a MAC of the account under the seal key, URL-safe."""
    mac = hmac.new(seal_key, f"webhook-account:{account}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def receiver_path(secret: str, account: str = "") -> str:
    """The receiver's path for `secret` (and `account`, when not the one account ''): the one place it is put
    together."""
    return f"{RECEIVER_PATH}/{account}/{secret}" if account else f"{RECEIVER_PATH}/{secret}"


def receiver_url(public_url: str | None, secret: str, account: str = "") -> str | None:
    """The full webhook URL to register with E-goi (it holds the secret), when the public address is known."""
    return f"{public_url.rstrip('/')}{receiver_path(secret, account)}" if public_url else None


def public_url(settings: Settings) -> str | None:
    """The base URL E-goi can reach: configured, else this process's own address when it names one."""
    if settings.public_url:
        return settings.public_url
    own = None
    if settings.transport == "http":
        own = _own_url(settings.host, settings.port)
    elif settings.webhook_listen:
        host, _, port = settings.webhook_listen.rpartition(":")
        own = _own_url(host, int(port))
    if own is None and settings.sandbox:
        return "http://egoi-mcp.sandbox.invalid"  # the sandbox delivers in-process: any base works
    return own


def _own_url(host: str, port: int) -> str | None:
    """`http://host:port`; None for a wildcard bind (0.0.0.0, ::), which is no address anyone can be sent to."""
    host = host.strip("[]")
    if host in _WILDCARD:
        return None
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
