"""Running the Alembic migrations (upgrade to head, or print their SQL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    # Escape % for configparser interpolation (passwords may contain it).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, *, sql: bool = False) -> None:
    """Migrate the database to the newest revision; ``sql`` prints the SQL instead."""
    command.upgrade(alembic_config(database_url), "head", sql=sql)
