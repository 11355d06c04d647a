"""The wheel carries the pytest plugin module and what `serve` needs to migrate."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from app.db import migrate

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_plugin_is_a_top_level_module_of_the_wheel_with_its_entry_point() -> None:
    assert PYPROJECT["project"]["entry-points"]["pytest11"] == {"events_api": "events_api_pytest"}
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    # The plugin starts servers through the launcher, which ships beside it.
    for module in ("events_api_pytest.py", "events_api_launcher.py"):
        assert module in wheel["only-include"]
        assert (ROOT / module).is_file()


def test_the_wheel_puts_the_migrations_where_migrate_looks_for_them() -> None:
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    packaged = migrate.PACKAGED.relative_to(ROOT).as_posix()
    assert wheel["force-include"] == {
        "alembic.ini": f"{packaged}/alembic.ini",
        "migrations": f"{packaged}/migrations",
    }


def test_migrate_uses_the_packaged_copy_outside_a_source_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert migrate.alembic_config("sqlite+aiosqlite:///x").get_main_option(
        "script_location"
    ) == str(ROOT / "migrations")
    monkeypatch.setattr(migrate, "REPO_ROOT", tmp_path)
    config = migrate.alembic_config("sqlite+aiosqlite:///x")
    assert config.get_main_option("script_location") == str(migrate.PACKAGED / "migrations")
    assert config.config_file_name == str(migrate.PACKAGED / "alembic.ini")
