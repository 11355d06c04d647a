"""Server settings, read from EVENTS_* environment variables by pydantic-settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/events.sqlite3"


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
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
