"""Runs axe-core in the page: the npm package pinned in tests/ui/a11y/package-lock.json,
installed there with `npm ci` (by .ci/prepare.d/browser.sh, or here on first use)."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver

from tests.backends import IN_CI

A11Y_DIR = Path(__file__).with_name("a11y")
AXE_JS = A11Y_DIR / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0/2.1 A and AA rules: colour contrast, labels and names of controls, ARIA use...
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            reason = "npm is needed to install axe-core for the accessibility check"
            if IN_CI:
                pytest.fail(f"CI requires it: {reason}", pytrace=False)
            pytest.skip(reason)
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=A11Y_DIR,
            check=True,
            timeout=300,
        )
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    driver.execute_script(axe_source())
    driver.set_script_timeout(60)
    result: dict[str, Any] = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}})
          .then((r) => done({violations: r.violations, passes: r.passes.map((p) => p.id)}))
          .catch((e) => done({error: String(e)}));
        """,
        AXE_TAGS,
    )
    assert "error" not in result, result
    # The check really ran the rules the issue names.
    assert {"color-contrast", "label"} & set(result["passes"]) or result["violations"]
    return list(result["violations"])


def assert_accessible(driver: webdriver.Chrome, page: str) -> None:
    violations = run_axe(driver)
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in violations
    ]
    assert not violations, f"axe found problems on the {page} page:\n" + "\n".join(summary)
