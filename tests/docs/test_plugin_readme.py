"""The docs say what the code does: the plugin example of docs/testing.md IS the test file CI
runs, every test-mode route and setting is described, and docs/cli.md has the keys commands."""

from __future__ import annotations

import re
from pathlib import Path

from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TESTING_DOC = (ROOT / "docs" / "testing.md").read_text()
SETTINGS_DOC = (ROOT / "docs" / "configuration.md").read_text()
CLI_DOC = (ROOT / "docs" / "cli.md").read_text()
EXAMPLE = Path(__file__).resolve().parents[1] / "plugin" / "test_readme_example.py"
MARKER = "<!-- tests/plugin/test_readme_example.py -->\n```python\n"


def readme_example() -> str:
    start = TESTING_DOC.index(MARKER) + len(MARKER)
    return TESTING_DOC[start : TESTING_DOC.index("```\n", start)]


def test_docs_plugin_example_is_the_tested_file() -> None:
    assert TESTING_DOC.count(MARKER) == 1
    assert readme_example() == EXAMPLE.read_text()


def test_docs_document_every_test_route(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db", test_mode=True))
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/_test")
        for method in operations
    }
    assert len(routes) == 6
    for method, path in routes:
        assert re.search(rf"`{method} {re.escape(path)}[`\[?]", TESTING_DOC), (method, path)


def test_docs_document_the_auth_and_test_settings() -> None:
    for name in (
        "auth",
        "project_per_token",
        "bootstrap_api_key",
        "bootstrap_project",
        "test_mode",
        "test_capture_limit",
    ):
        assert name in Settings.model_fields
        assert f"| `EVENTS_{name.upper()}` |" in SETTINGS_DOC, name
    for command in ("keys create --project", "keys list", "keys revoke"):
        assert f"events-api {command}" in CLI_DOC
