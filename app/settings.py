"""Server settings, read from EVENTS_* environment variables by pydantic-settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/events.sqlite3"
# Shortest API key accepted from EVENTS_BOOTSTRAP_API_KEY.
MIN_API_KEY_LENGTH = 8


class Settings(BaseSettings):
    """Every setting of the server. Environment variables are the field names
    upper-cased with the ``EVENTS_`` prefix, e.g. ``EVENTS_DATABASE_URL``."""

    model_config = SettingsConfigDict(env_prefix="EVENTS_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="postgresql+asyncpg://... or sqlite+aiosqlite:///path/to/file.db",
    )
    max_body_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 above)."
    )
    default_project: str = Field(
        default="default", min_length=1, description="Project that requests map to in open auth."
    )
    db_pool_size: int = Field(default=10, ge=1, description="Postgres connection pool size.")
    db_max_overflow: int = Field(default=20, ge=0, description="Extra Postgres connections.")
    db_connect_timeout_s: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a database connection before 503."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=30_000, ge=0, description="How long an SQLite writer waits for the lock."
    )
    retry_after_s: int = Field(
        default=5, ge=1, description="Retry-After seconds sent with 503 answers."
    )
    # Reliability limits (docs/operations.md explains each one).
    max_in_flight: int = Field(
        default=0,
        ge=0,
        description="Requests one worker serves at once; more get 503 SERVER_BUSY at once "
        "(0: sized from the pool, see docs/operations.md).",
    )
    statement_timeout_s: float = Field(
        default=30.0, ge=0, description="Longest API statement on Postgres (0: no limit)."
    )
    maintenance_statement_timeout_s: float = Field(
        default=3600.0, ge=0, description="Longest migration statement on Postgres (0: no limit)."
    )
    header_timeout_s: float = Field(
        default=10.0, gt=0, description="Time a client has to send a request's headers (408)."
    )
    body_timeout_s: float = Field(
        default=60.0, gt=0, description="Time a client has to send a request's body (408)."
    )
    shutdown_timeout_s: float = Field(
        default=30.0, ge=0, description="On SIGTERM, how long in-flight requests may finish."
    )
    conflict_retries: int = Field(
        default=4,
        ge=0,
        description="Retries of a write hit by a deadlock or serialization failure.",
    )
    group_commit_max_pending: int = Field(
        default=1000,
        ge=1,
        description="Single writes one worker queues for their group commit; more get 503 "
        "SERVER_BUSY at once (docs/operations.md#group-commit).",
    )
    group_commit_max_group: int = Field(
        default=256,
        ge=1,
        le=10_000,
        description="Most single writes committed in one transaction (1: one each).",
    )
    group_commit_max_groups: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Postgres: group commits one worker runs at once (SQLite: always 1).",
    )
    group_commit_window_ms: float = Field(
        default=0.0,
        ge=0,
        le=1000,
        description="Wait before each group commit that is not full, to let it fill "
        "(0: none; a group is what arrived while the previous one committed).",
    )
    auth_cache_ttl_s: float = Field(
        default=5.0,
        ge=0,
        description="How long a checked API key is remembered (revocation bound).",
    )
    auth_failure_limit: int = Field(
        default=20, ge=1, description="Failed authentications per client per window before 429."
    )
    auth_failure_window_s: float = Field(
        default=60.0, gt=0, description="Window of EVENTS_AUTH_FAILURE_LIMIT, in seconds."
    )
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    auth: Literal["open", "keys"] = Field(
        default="open",
        description="open: any bearer token (or none) is accepted; keys: only API keys "
        "created with `events-api keys create` (401 otherwise).",
    )
    project_per_token: bool = Field(
        default=False,
        description="Open auth: each distinct bearer token gets its own project.",
    )
    bootstrap_api_key: SecretStr | None = Field(
        default=None, description="Keys auth: an API key created (idempotently) on first use."
    )
    bootstrap_project: str | None = Field(
        default=None, min_length=1, description="Project of the bootstrap key (default project)."
    )
    delete_chunk_rows: int = Field(
        default=5000, ge=1, le=1_000_000, description="Events deleted per transaction."
    )
    retention_days: int | None = Field(
        default=None, ge=1, description="Delete events older than this many days (unset: keep)."
    )
    maintenance_interval_s: float = Field(
        default=3600, gt=0, description="Seconds between runs of the in-server maintenance."
    )
    partition_days_ahead: int = Field(
        default=7, ge=1, le=366, description="Postgres: daily partitions created ahead of today."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON line per request, with its request id."
    )
    metrics_public: bool = Field(
        default=False, description="Keys auth: serve /metrics without an API key."
    )
    test_mode: bool = Field(
        default=False, description="Serve the /_test routes (reset, requests, wait, faults)."
    )
    test_capture_limit: int = Field(
        default=2000, ge=1, le=1_000_000, description="Requests kept for GET /_test/requests."
    )

    @field_validator("bootstrap_api_key", "bootstrap_project", "retention_days", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        """An empty variable (``EVENTS_BOOTSTRAP_API_KEY=``) means "not set"."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("bootstrap_api_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_API_KEY_LENGTH:
            raise ValueError(f"must be at least {MIN_API_KEY_LENGTH} characters long")
        return value
