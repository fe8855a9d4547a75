"""Settings: every option is an environment variable, and most are also a command-line flag (cli.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["MIN_TOKEN_LENGTH", "Settings", "weak_token"]

MIN_TOKEN_LENGTH = 32
_HEADER_SAFE = re.compile(r"[\x21-\x7e]*")  # printable ASCII, no space: what the Apikey header carries
_MIN_DISTINCT = 8  # distinct characters a 32-character random token has (hex: 14 on average; fewer than 8: ~1e-9)


def _state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "egoi-mcp"


def _cache_dir() -> Path | None:
    """Where the tools' definitions are kept; None (build them at each start) for a user with no home directory."""
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:  # no HOME and no passwd entry: a container's arbitrary user
        return None
    return Path(base) / "egoi-mcp"


def weak_token(token: str) -> str | None:
    """Why `token` is no bearer token (whitespace, too short, a repeated character or word), or None."""
    if any(char.isspace() for char in token):
        return "holds whitespace (a trailing newline from a secrets file?): no client would send it"
    if len(token) < MIN_TOKEN_LENGTH:
        return f"is shorter than {MIN_TOKEN_LENGTH} characters"
    if len(set(token)) < _MIN_DISTINCT or any(_repeats(token, size) for size in range(1, len(token) // 2 + 1)):
        return "is low-entropy (a repeated character or word): anyone could guess it"
    return None


def _plain_http_beyond_loopback(url: str | None) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1")


def _repeats(token: str, size: int) -> bool:
    """Whether `token` is its first `size` characters over and over (a last repetition may be cut short)."""
    unit = token[:size]
    return (unit * (len(token) // size + 1))[: len(token)] == token


class Settings(BaseSettings):
    """egoi-mcp's configuration, read from `EGOI_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="EGOI_MCP_", extra="ignore", populate_by_name=True)

    api_key: SecretStr | None = Field(default=None, validation_alias="EGOI_API_KEY")
    base_url: str = Field(default="https://api.egoiapp.com", validation_alias="EGOI_BASE_URL")
    default_list_id: int | None = Field(default=None, validation_alias="EGOI_DEFAULT_LIST_ID")
    rate_limit_per_hour: int = Field(default=150, ge=1, validation_alias="EGOI_RATE_LIMIT_PER_HOUR")
    requests_per_call: int = Field(default=10, ge=1)  # E-goi requests one tool call may make (<= a tenth of the hour's)
    webhook_secret: SecretStr | None = Field(default=None, validation_alias="EGOI_WEBHOOK_SECRET")
    seal_key: SecretStr | None = None

    transport: Literal["stdio", "http"] = "stdio"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    sandbox: bool = False
    read_only: bool = False
    toolsets: Annotated[list[str] | None, NoDecode] = None  # None: every toolset (names checked by the server)
    confirm: Literal["flag", "elicit"] = "flag"
    user_content: Literal["show", "hide"] = "show"  # hide: free text written by others is left out of results
    # Without a human in the loop (no elicitation, confirm=flag), what destructive actions may do at most:
    unattended_max_recipients: int = Field(default=500, ge=0)  # contacts one send reaches
    unattended_sends_per_hour: int = Field(default=5, ge=0)  # sends (and schedules), shared by every replica
    unattended_max_deletes: int = Field(default=50, ge=0)  # contacts one call deletes or unsubscribes
    auth_token: SecretStr | None = None
    auth: Literal["token", "oauth"] = "token"  # oauth: the hosted connector (egoi_mcp.hosted), one E-goi key a user
    secret_key: SecretStr | None = None  # oauth: encrypts the linked API keys; comma-separated, the first is current
    oauth_issuer: str | None = None  # oauth: an existing identity provider issues the tokens (JWTs), not egoi-mcp
    oauth_jwks_url: str | None = None  # its JWKS, when its discovery document does not say
    oauth_access_ttl: int = Field(default=3600, ge=60, le=86_400)  # seconds an access token lives
    oauth_refresh_ttl: int = Field(default=30 * 86_400, ge=3600)  # seconds a refresh token lives (rotated on use)
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    public_url: str | None = None
    max_sessions: int = Field(default=10_000, ge=1)  # open 2025-era sessions; the idle longest is evicted at the cap
    webhook_listen: str | None = None
    db: str | Path = Field(default_factory=lambda: _state_dir() / "events.db")  # a path, or a postgresql:// URL
    tools_cache: Path | None = Field(default_factory=_cache_dir)  # the tools' definitions, built once ("": none)
    events_max: int = Field(default=100_000, ge=100)
    events_max_age_days: int = Field(default=30, ge=1)
    audit_max_age_days: int = Field(default=365, ge=1)  # days the audit trail of destructive actions is kept
    jobs_keep_hours: float = Field(default=72, gt=0)  # hours a finished job (and its file) is kept
    jobs_lease_seconds: float = Field(default=30, gt=0)  # a dead runner's job is picked up after this long
    import_batch_size: int = Field(default=1000, ge=2, le=10_000)  # contacts per import-bulk request (E-goi: >= 2)
    otel_endpoint: str | None = Field(default=None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")  # OTLP/HTTP
    log_level: str = "INFO"

    @field_validator("toolsets", "allowed_hosts", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_key", mode="before")
    @classmethod
    def _strip_key(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value  # a secrets file's trailing newline

    @field_validator("api_key")
    @classmethod
    def _key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _HEADER_SAFE.fullmatch(value.get_secret_value()):
            raise ValueError(
                "EGOI_API_KEY holds characters an HTTP header cannot carry (spaces, control or non-ASCII "
                "characters): copy the key again from E-goi > Integrations > API key"
            )
        return value

    @field_validator("seal_key")
    @classmethod
    def _seal_key_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 32:
            raise ValueError("EGOI_MCP_SEAL_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("auth_token")
    @classmethod
    def _strong_token(cls, value: SecretStr | None) -> SecretStr | None:
        problem = weak_token(value.get_secret_value()) if value is not None else None
        if problem:
            raise ValueError(
                f"EGOI_MCP_AUTH_TOKEN {problem}: use {MIN_TOKEN_LENGTH}+ random characters without whitespace "
                "(`egoi-mcp token` prints one)"
            )
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_keys(cls, value: SecretStr | None) -> SecretStr | None:
        keys = value.get_secret_value().split(",") if value is not None else []
        if any(len(key.strip()) < 32 for key in keys):
            raise ValueError("EGOI_MCP_SECRET_KEY must be 32+ characters each (e.g. `openssl rand -hex 32`)")
        return value

    @model_validator(mode="after")
    def _oauth_needs(self) -> Settings:
        if self.auth == "oauth" and self.transport != "http":
            raise ValueError("--auth oauth serves remote clients over HTTP: add --transport http")
        if self.auth == "oauth" and self.secret_key is None:
            raise ValueError("--auth oauth needs EGOI_MCP_SECRET_KEY (32+ random characters: `openssl rand -hex 32`)")
        if self.auth == "oauth" and not (self.public_url or self.host not in ("0.0.0.0", "::", "")):
            raise ValueError("--auth oauth on a wildcard address needs EGOI_MCP_PUBLIC_URL (https://your.host)")
        if self.auth == "oauth" and _plain_http_beyond_loopback(self.public_url):
            raise ValueError("--auth oauth needs an https EGOI_MCP_PUBLIC_URL (behind a TLS proxy) beyond loopback")
        if self.oauth_issuer and _plain_http_beyond_loopback(self.oauth_issuer):
            raise ValueError("EGOI_MCP_OAUTH_ISSUER must be an https URL (the identity provider's issuer)")
        if self.auth == "oauth" and self.auth_token is not None:
            raise ValueError("--auth oauth and EGOI_MCP_AUTH_TOKEN exclude each other: choose one")
        return self

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,}", value.get_secret_value()):
            raise ValueError("EGOI_WEBHOOK_SECRET must be at least 16 characters of A-Z, a-z, 0-9, '_' or '-'")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected HOST:PORT (e.g. 127.0.0.1:8100), not {value!r}")
        return f"{host.strip('[]') or '127.0.0.1'}:{port}"

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"log level must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value!r}")
        return value.upper()

    @field_validator("otel_endpoint")
    @classmethod
    def _otel_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(
                "OTEL_EXPORTER_OTLP_ENDPOINT must be an OTLP/HTTP base URL starting with http:// or https:// "
                "(e.g. http://localhost:4318)"
            )
        return value or None

    @field_validator("tools_cache", mode="before")
    @classmethod
    def _no_cache(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("public_url")
    @classmethod
    def _public_url_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("EGOI_MCP_PUBLIC_URL must start with https:// or http:// (e.g. https://mcp.example.com)")
        return value

    @model_validator(mode="after")
    def _sandbox_store(self) -> Settings:
        """The sandbox keeps its fake events apart from a real account's: its own default store file."""
        if self.sandbox and "db" not in self.model_fields_set:
            self.db = _state_dir() / "sandbox-events.db"
        return self

    @property
    def key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None
