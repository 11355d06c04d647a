"""The group commit settings are described in docs/configuration.md and docs/operations.md
with their real defaults."""

from __future__ import annotations

from pathlib import Path

from app.services.events import GROUPED_SPANS_MAX
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
GROUP_COMMIT_SETTINGS = (
    "group_commit_max_pending",
    "group_commit_max_group",
    "group_commit_max_groups",
    "group_commit_window_ms",
)


def test_every_group_commit_setting_is_documented_with_its_default() -> None:
    configuration = (ROOT / "docs" / "configuration.md").read_text()
    operations = (ROOT / "docs" / "operations.md").read_text()
    assert "## Group commit" in operations
    for name in GROUP_COMMIT_SETTINGS:
        field = Settings.model_fields[name]
        default = field.default
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        row = f"| `EVENTS_{name.upper()}` | `{shown}` |"
        assert row in configuration, row
        assert f"`EVENTS_{name.upper()}`" in operations, name


def test_the_size_of_a_grouped_otlp_export_is_the_one_the_service_uses() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text()
    otlp = (ROOT / "docs" / "otlp.md").read_text()
    assert f"small\nOTLP exports (at most {GROUPED_SPANS_MAX} rows" in operations
    assert f"more than {GROUPED_SPANS_MAX} rows are one transaction each" in operations
    assert f"one of more than\n{GROUPED_SPANS_MAX} rows is a transaction of its own" in otlp
