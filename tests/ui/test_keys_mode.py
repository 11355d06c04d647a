"""The trace browser with EVENTS_AUTH=keys: a login form, a cookie scripts cannot read,
views scoped to the key's project, and logout."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from honeyhive import HoneyHive
from honeyhive.models import StartSessionRequest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.live_server import LiveServer, live_server
from tests.ui.accessibility import assert_accessible
from tests.ui.conftest import Seeded, seed_with_sdk

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def create_key(database_url: str, project: str) -> str:
    script = Path(sys.executable).parent / "events-api"
    done = subprocess.run(
        [str(script), "keys", "create", "--project", project, "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def keys_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with live_server(
        database_url, tmp_path_factory.mktemp("ui-keys-server"), {"EVENTS_AUTH": "keys"}
    ) as running:
        yield running


@pytest.fixture(scope="module")
def two_projects(keys_server: LiveServer) -> tuple[str, Seeded, str, str]:
    """(key of project A, A's session seeded by the tracer, key of B, B's session id)."""
    suffix = uuid.uuid4().hex[:8]
    key_a = create_key(keys_server.database_url, f"ui-a-{suffix}")
    key_b = create_key(keys_server.database_url, f"ui-b-{suffix}")
    seeded_a = seed_with_sdk(keys_server.url, key_a, f"mine-{suffix}")
    session_b = str(uuid.uuid4())
    HoneyHive(api_key=key_b, base_url=keys_server.url).sessions.start(
        StartSessionRequest(session={"session_id": session_b, "session_name": f"theirs-{suffix}"})
    )
    return key_a, seeded_a, key_b, session_b


def log_in(browser: webdriver.Chrome, key: str) -> None:
    """Submit the login form and wait for the next page (the form again, or elsewhere)."""
    form = browser.find_element(By.CSS_SELECTOR, ".login form")
    field = browser.find_element(By.ID, "api_key")
    field.clear()
    field.send_keys(key)
    browser.find_element(By.CSS_SELECTOR, ".login button[type=submit]").click()
    WebDriverWait(browser, 20).until(ec.staleness_of(form))


def test_login_scopes_every_view_to_the_keys_project(
    browser: webdriver.Chrome, keys_server: LiveServer, two_projects: tuple[str, Seeded, str, str]
) -> None:
    key_a, seeded_a, _key_b, session_b = two_projects
    # Every cookie of the browser (one on another path would survive delete_all_cookies).
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.get(f"{keys_server.url}/ui/sessions/{seeded_a.session_id}")
    assert urlparse(browser.current_url).path == "/ui/login"
    assert not browser.find_elements(By.CSS_SELECTOR, "table, [role=tree]")
    assert_accessible(browser, "login")

    # A wrong key gets the form back, with a message and no data.
    log_in(browser, "hh_not_a_key_at_all")
    assert urlparse(browser.current_url).path == "/ui/login"
    assert "not valid" in browser.find_element(By.CSS_SELECTOR, ".errors").text
    assert not browser.get_cookies()

    # The right key: back to the page that was asked for, in project A.
    log_in(browser, key_a)
    assert urlparse(browser.current_url).path == f"/ui/sessions/{seeded_a.session_id}"
    assert browser.find_elements(By.CSS_SELECTOR, '[role="treeitem"]')
    cookie = next(c for c in browser.get_cookies() if c["name"] == "events_ui_key")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert cookie["value"] == key_a
    assert "events_ui_key" not in browser.execute_script("return document.cookie")

    # Project B's session does not exist for A: not in the list, not by its URL, not in
    # search, and the raw JSON is refused too.
    browser.get(f"{keys_server.url}/ui/sessions")
    ids = {
        r.get_attribute("data-session-id")
        for r in browser.find_elements(By.CSS_SELECTOR, "tr[data-session-id]")
    }
    assert seeded_a.session_id in ids and session_b not in ids
    browser.get(f"{keys_server.url}/ui/sessions/{session_b}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "No such session"
    browser.get(f"{keys_server.url}/ui/search?field=session_id&op=is&value={session_b}")
    assert browser.find_element(By.CSS_SELECTOR, "td.empty").text == "No events match."
    browser.get(f"{keys_server.url}/ui/raw/events/{session_b}")
    assert '"NOT_FOUND"' in browser.find_element(By.TAG_NAME, "body").text

    # The detail pane's raw JSON link works with the cookie (the API wants a bearer key).
    browser.get(f"{keys_server.url}/ui/raw/events/{seeded_a.session_id}")
    assert seeded_a.session_id in browser.find_element(By.TAG_NAME, "body").text

    # Log out: the cookie is gone and the views ask for a key again.
    browser.get(f"{keys_server.url}/ui/sessions")
    logout = browser.find_element(By.CSS_SELECTOR, "form[action='/ui/logout']")
    logout.find_element(By.TAG_NAME, "button").click()
    WebDriverWait(browser, 20).until(ec.staleness_of(logout))
    assert urlparse(browser.current_url).path == "/ui/login"
    assert not [c for c in browser.get_cookies() if c["name"] == "events_ui_key"]
    browser.get(f"{keys_server.url}/ui/sessions")
    assert urlparse(browser.current_url).path == "/ui/login"
