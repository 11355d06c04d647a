"""Running the Alembic migrations (upgrade to head, or print their SQL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
# Where an installed wheel carries alembic.ini and migrations/ (see pyproject.toml).
PACKAGED = Path(__file__).resolve().parent / "_alembic"


def _alembic_home() -> Path:
    """The directory holding alembic.ini and migrations/: the source tree, else the wheel's."""
    return REPO_ROOT if (REPO_ROOT / "migrations").is_dir() else PACKAGED


def alembic_config(database_url: str) -> Config:
    home = _alembic_home()
    config = Config(str(home / "alembic.ini"))
    config.set_main_option("script_location", str(home / "migrations"))
    # Escape % for configparser interpolation (passwords may contain it).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, *, sql: bool = False) -> None:
    """Migrate the database to the newest revision; ``sql`` prints the SQL instead."""
    command.upgrade(alembic_config(database_url), "head", sql=sql)
