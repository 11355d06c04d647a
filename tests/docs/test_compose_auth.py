"""docker-compose.yml runs the API with API keys and a bootstrap key that the settings accept."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from app.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def default_of(value: str) -> str:
    """The value compose uses when the variable is unset: ${NAME:-default} -> default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_compose_api_uses_keys_with_a_valid_bootstrap_key() -> None:
    environment = yaml.safe_load(COMPOSE.read_text())["services"]["api"]["environment"]
    assert environment["EVENTS_AUTH"] == "keys"
    settings = Settings(
        auth=environment["EVENTS_AUTH"],
        bootstrap_api_key=default_of(environment["EVENTS_BOOTSTRAP_API_KEY"]),
        bootstrap_project=default_of(environment["EVENTS_BOOTSTRAP_PROJECT"]),
    )
    assert settings.bootstrap_api_key is not None and settings.bootstrap_project == "default"
