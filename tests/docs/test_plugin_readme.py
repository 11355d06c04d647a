"""The README documents what the code does: its plugin example IS the test file CI runs, and
every test-mode route and new setting is described."""

from __future__ import annotations

import re
from pathlib import Path

from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
EXAMPLE = Path(__file__).resolve().parents[1] / "plugin" / "test_readme_example.py"
MARKER = "<!-- tests/plugin/test_readme_example.py -->\n```python\n"


def readme_example() -> str:
    start = README.index(MARKER) + len(MARKER)
    return README[start : README.index("```\n", start)]


def test_readme_plugin_example_is_the_tested_file() -> None:
    assert README.count(MARKER) == 1
    assert readme_example() == EXAMPLE.read_text()


def test_readme_documents_every_test_route(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db", test_mode=True))
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/_test")
        for method in operations
    }
    assert len(routes) == 6
    for method, path in routes:
        assert re.search(rf"`{method} {re.escape(path)}[`\[?]", README), (method, path)


def test_readme_documents_the_auth_and_test_settings() -> None:
    for name in (
        "auth",
        "project_per_token",
        "bootstrap_api_key",
        "bootstrap_project",
        "test_mode",
        "test_capture_limit",
    ):
        assert name in Settings.model_fields
        assert f"| `EVENTS_{name.upper()}` |" in README, name
    for command in ("keys create --project", "keys list", "keys revoke"):
        assert f"events-api {command}" in README
