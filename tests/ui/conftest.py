"""Browser-test fixtures: Debian's headless Chromium driven by Selenium, against a real
`events-api serve` (uvicorn) per backend, with traces seeded by the real HoneyHive SDK.

The browser runs with the network blocked (a dead proxy for everything but loopback, and
no name resolution): every asset a page needs must come from the server itself.
Without Chromium or chromedriver the tests skip, naming the CI stage that installs them;
with CI=true they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.backends import IN_CI
from tests.live_server import LiveServer, live_server

HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
SEED_SCRIPT = HERE / "seed_traces.py"
SEED_TIMEOUT_S = 90
OPEN_KEY = "hh_ui_open_key"


def _browser_binaries() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    reason = (
        "headless Chromium is not installed (Debian packages chromium and chromium-driver; "
        "`bash .ci/prepare.d/browser.sh` installs them)"
    )
    if IN_CI:
        pytest.fail(f"CI requires the browser: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    chromium, driver_path = _browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1440,900",
        "--force-device-scale-factor=1",
        "--lang=en-US",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        # The network is blocked: a proxy that nothing listens on for every host except
        # loopback (which Chromium never sends through a proxy), and no DNS at all.
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    service = Service(executable_path=driver_path, log_output=subprocess.DEVNULL)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def artifacts(database_url: str) -> Path:
    """Where screenshots go (gitignored; CI keeps the folder)."""
    backend = "postgres" if database_url.startswith("postgresql") else "sqlite"
    folder = ARTIFACTS / backend
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def ui_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server in open auth over the backend's migrated database."""
    with live_server(
        database_url, tmp_path_factory.mktemp("ui-server"), {"EVENTS_AUTH": "open"}
    ) as running:
        yield running


@dataclass(frozen=True)
class Seeded:
    session_id: str
    name: str


def seed_with_sdk(url: str, api_key: str, name: str) -> Seeded:
    """Run seed_traces.py (the HoneyHive tracer) in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HH_", "HONEYHIVE_", "OTEL_"))}
    env.update(HH_API_URL=url, HH_API_KEY=api_key, PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [sys.executable, str(SEED_SCRIPT), name],
        env=env,
        capture_output=True,
        text=True,
        timeout=SEED_TIMEOUT_S,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and lines, f"seeding failed:\n{done.stderr[-4000:]}"
    return Seeded(session_id=json.loads(lines[-1])["session_id"], name=name)


@pytest.fixture(scope="session")
def seeded(ui_server: LiveServer) -> Seeded:
    return seed_with_sdk(ui_server.url, OPEN_KEY, f"weather-{uuid.uuid4().hex[:8]}")
