"""The trace browser as a person uses it, in headless Chromium against a real server on
both backends, over traces the HoneyHive SDK sent."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from honeyhive import HoneyHive
from honeyhive.models import PostEventBatchRequest, PostEventRequest, StartSessionRequest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.live_server import LiveServer
from tests.ui.accessibility import assert_accessible
from tests.ui.conftest import OPEN_KEY, Seeded

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

WAIT_S = 20


def wait(driver: webdriver.Chrome, timeout: float = WAIT_S) -> WebDriverWait[webdriver.Chrome]:
    return WebDriverWait(driver, timeout)


def tree_row(driver: webdriver.Chrome, name: str) -> WebElement:
    return driver.find_element(
        By.XPATH, f'//div[@role="treeitem"][.//span[@class="label"][text()="{name}"]]'
    )


def session_rows(driver: webdriver.Chrome) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "table.sessions tbody tr[data-session-id]")


def cells(row: WebElement) -> list[str]:
    return [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]


def open_session(browser: webdriver.Chrome, server: LiveServer, seeded: Seeded) -> None:
    browser.get(f"{server.url}/ui/sessions/{seeded.session_id}")
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, '[role="tree"]')))


def test_sessions_list_filtered_with_the_builder(
    browser: webdriver.Chrome, ui_server: LiveServer, seeded: Seeded, artifacts: Path
) -> None:
    browser.get(ui_server.url + "/")
    assert urlparse(browser.current_url).path == "/ui"
    wait(browser).until(lambda d: session_rows(d))

    # Filter rows: event_name is <the seeded session's name>, typed into the builder.
    form = browser.find_element(By.CSS_SELECTOR, "form.filters")
    form.find_element(By.NAME, "field").send_keys("event_name")
    Select(form.find_element(By.NAME, "op")).select_by_visible_text("is")
    form.find_element(By.NAME, "value").send_keys(seeded.name)
    Select(form.find_element(By.NAME, "range")).select_by_value("24h")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda d: "field=event_name" in d.current_url)
    query = parse_qs(urlparse(browser.current_url).query)
    assert query["field"] == ["event_name"] and query["value"] == [seeded.name]
    assert query["range"] == ["24h"]

    rows = session_rows(browser)
    assert [r.get_attribute("data-session-id") for r in rows] == [seeded.session_id]
    name, source, started, duration, events, cost, tokens, status = cells(rows[0])
    assert name.splitlines() == [seeded.name, seeded.session_id]
    assert source == "ui-test" and started.startswith("20") and duration.endswith("s")
    # chain, tool, model, the failing tool (and the SDK's error event for it)
    assert int(events) >= 4
    assert cost == "$0.0004" and tokens == "52" and status == "error"
    # A second filter row through "+ Add filter": a numeric range on a session field.
    browser.find_element(By.CSS_SELECTOR, "[data-add-row]").click()
    second = browser.find_elements(By.CSS_SELECTOR, "[data-filter-row]")[1]
    second.find_element(By.NAME, "field").send_keys("start_time")
    Select(second.find_element(By.NAME, "op")).select_by_visible_text("less than")
    second.find_element(By.NAME, "value").send_keys("1000")
    second.find_element(By.NAME, "value").send_keys(Keys.ENTER)
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "td.empty"))
    assert session_rows(browser) == []

    # A filter the language refuses comes back as a clear message, not as results.
    browser.get(f"{ui_server.url}/ui/sessions?field=metadata.cost&op=greater+than&value=lots")
    alert = browser.find_element(By.CSS_SELECTOR, ".errors[role=alert]")
    assert "Filter 1 value" in alert.text and "lots" in alert.text

    # More sessions of the same source, sent by the SDK's client: newest first.
    client = HoneyHive(api_key=OPEN_KEY, base_url=ui_server.url)
    newer = [
        client.events.create_batch(
            PostEventBatchRequest(
                events=[
                    {
                        "event_type": "model",
                        "event_name": "summarise",
                        "inputs": {"text": "..."},
                        "metadata": {"cost": 0.002 * (n + 1), "total_tokens": 300 * (n + 1)},
                        "duration": 800.0 + 150 * n,
                    }
                    for _ in range(n + 2)
                ],
                is_single_session=True,
                session={"session_name": name, "source": "ui-test"},
            )
        ).session_id
        for n, name in enumerate(("nightly-eval-run", "support-chat", "rag-pipeline"))
    ]
    browser.get(f"{ui_server.url}/ui/sessions?field=source&op=is&value=ui-test&range=24h")
    wait(browser).until(lambda d: session_rows(d))
    shown = [r.get_attribute("data-session-id") for r in session_rows(browser)]
    assert shown[:4] == [*reversed(newer), seeded.session_id]
    assert cells(session_rows(browser)[0])[4:7] == ["4", "$0.0240", "3,600"]
    browser.save_screenshot(str(artifacts / "sessions.png"))


def test_session_tree_waterfall_and_event_detail(
    browser: webdriver.Chrome, ui_server: LiveServer, seeded: Seeded, artifacts: Path
) -> None:
    browser.get(f"{ui_server.url}/ui/sessions?field=session_id&op=is&value={seeded.session_id}")
    browser.find_element(By.LINK_TEXT, seeded.name).click()
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, '[role="tree"]')))
    assert urlparse(browser.current_url).path == f"/ui/sessions/{seeded.session_id}"

    root = tree_row(browser, seeded.name)
    chain = tree_row(browser, "answer_question")
    model = tree_row(browser, "chat_completion")
    tool = tree_row(browser, "weather_lookup")
    failed = tree_row(browser, "send_notification")
    # Nesting from parent_id, children in start order.
    assert root.get_attribute("aria-level") == "1"
    assert chain.get_attribute("data-parent") == seeded.session_id
    assert model.get_attribute("data-parent") == chain.get_attribute("data-id")
    assert model.get_attribute("aria-level") == "3" == tool.get_attribute("aria-level")
    names = [
        r.find_element(By.CLASS_NAME, "label").text
        for r in browser.find_elements(By.CSS_SELECTOR, '[role="treeitem"]')
    ]
    assert names.index("weather_lookup") < names.index("chat_completion")
    # Waterfall: one bar per event, coloured by type, the error marked.
    bars = browser.find_elements(By.CSS_SELECTOR, '[role="treeitem"] .bar')
    assert len(bars) == len(names)
    model_bar = model.find_element(By.CLASS_NAME, "bar")
    chain_bar = chain.find_element(By.CLASS_NAME, "bar")
    assert model_bar.value_of_css_property("background-color") != chain_bar.value_of_css_property(
        "background-color"
    )
    assert float(model_bar.get_attribute("style").split("left:")[1].split("%")[0]) >= float(
        chain_bar.get_attribute("style").split("left:")[1].split("%")[0]
    )
    assert "err" in failed.get_attribute("class").split()
    assert failed.find_element(By.CLASS_NAME, "err-mark").text == "error"
    browser.save_screenshot(str(artifacts / "session.png"))

    # Keyboard: focus the root, go down to the chain, collapse it, open it again.
    root.click()
    assert browser.switch_to.active_element == root
    root.send_keys(Keys.ARROW_DOWN)
    assert browser.switch_to.active_element == chain
    chain.send_keys(Keys.ARROW_LEFT)
    assert chain.get_attribute("aria-expanded") == "false"
    assert not model.is_displayed() and not tool.is_displayed()
    chain.send_keys(Keys.ARROW_RIGHT)
    assert chain.get_attribute("aria-expanded") == "true" and model.is_displayed()
    chain.send_keys(Keys.ARROW_RIGHT)  # into the first child
    assert browser.switch_to.active_element == tool
    tool.send_keys(Keys.ARROW_DOWN)
    assert browser.switch_to.active_element == model
    model.send_keys(Keys.ARROW_LEFT)  # a leaf: back to its parent
    assert browser.switch_to.active_element == chain
    # The twisty collapses with the mouse too.
    chain.find_element(By.CLASS_NAME, "twisty").click()
    assert not model.is_displayed()
    chain.find_element(By.CLASS_NAME, "twisty").click()
    assert model.is_displayed()

    # Open the model event: its detail pane, the conversation view, copy buttons, raw JSON.
    assert browser.switch_to.active_element == chain
    chain.send_keys(Keys.ARROW_DOWN)
    tool.send_keys(Keys.ARROW_DOWN)
    assert browser.switch_to.active_element == model
    model.send_keys(Keys.ENTER)
    event_id = model.get_attribute("data-id")
    detail = wait(browser).until(
        ec.presence_of_element_located(
            (By.CSS_SELECTOR, f'[data-detail] article.detail[data-event-id="{event_id}"]')
        )
    )
    assert parse_qs(urlparse(browser.current_url).query)["event"] == [event_id]
    messages = detail.find_elements(By.CSS_SELECTOR, ".chat .msg")
    assert [m.find_element(By.CLASS_NAME, "who").text.lower() for m in messages] == [
        "system",
        "user",
        "assistant",
    ]
    assert messages[1].find_element(By.CLASS_NAME, "text").text == (
        "Will it rain in Lisbon tomorrow?"
    )
    assert "Light rain" in messages[2].text
    buckets = {
        b.find_element(By.TAG_NAME, "summary").text.split(" (")[0]: b
        for b in detail.find_elements(By.CSS_SELECTOR, "details.bucket")
    }
    assert list(buckets) == [
        "Inputs",
        "Outputs",
        "Config",
        "Metadata",
        "Metrics",
        "Feedback",
        "User properties",
    ]
    config = json.loads(
        buckets["Config"].find_element(By.TAG_NAME, "pre").get_attribute("textContent")
    )
    assert config["model"] == "gpt-4o-mini"
    metadata_pre = buckets["Metadata"].find_element(By.TAG_NAME, "pre")
    assert metadata_pre.is_displayed()
    buckets["Metadata"].find_element(By.TAG_NAME, "summary").click()  # collapsible
    assert not metadata_pre.is_displayed()
    copy = detail.find_element(By.CSS_SELECTOR, f'button.copy[data-copy="{event_id}"]')
    copy.click()
    wait(browser, 5).until(lambda d: copy.text == "Copied")
    raw = detail.find_element(By.LINK_TEXT, "Raw JSON")
    assert raw.get_attribute("href") == f"{ui_server.url}/v1/events/{event_id}"
    buckets["Metadata"].find_element(By.TAG_NAME, "summary").click()
    browser.execute_script(
        "window.scrollTo(0, 0); document.querySelector('[data-detail]').scrollTop = 0"
    )
    browser.save_screenshot(str(artifacts / "event.png"))

    browser.get(raw.get_attribute("href"))
    stored = json.loads(browser.find_element(By.TAG_NAME, "body").text)
    assert stored["event"]["event_id"] == event_id
    assert stored["event"]["inputs"]["chat_history"][0]["role"] == "system"

    # A link to an event opens its session with the event selected.
    browser.get(f"{ui_server.url}/ui/events/{event_id}")
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-detail] .chat")))
    assert urlparse(browser.current_url).path == f"/ui/sessions/{seeded.session_id}"
    assert tree_row(browser, "chat_completion").get_attribute("aria-selected") == "true"


def test_new_events_arrive_live(
    browser: webdriver.Chrome, ui_server: LiveServer, seeded: Seeded
) -> None:
    client = HoneyHive(api_key=OPEN_KEY, base_url=ui_server.url)
    open_session(browser, ui_server, seeded)
    assert browser.find_element(By.CSS_SELECTOR, "[data-live]").is_selected()
    chain_id = tree_row(browser, "answer_question").get_attribute("data-id")
    tree_row(browser, "answer_question").click()  # the selection survives a refresh
    late_name = f"late_tool_{uuid.uuid4().hex[:6]}"
    client.events.create(
        PostEventRequest(
            event={
                "event_type": "tool",
                "event_name": late_name,
                "session_id": seeded.session_id,
                "parent_id": chain_id,
                "inputs": {"query": "humidity"},
                "source": "ui-test",
                "duration": 12.0,
            }
        )
    )
    arrived = wait(browser).until(
        lambda d: d.find_elements(By.XPATH, f'//span[@class="label"][text()="{late_name}"]')
    )
    row = arrived[0].find_element(By.XPATH, "./ancestor::div[@role='treeitem']")
    assert row.get_attribute("data-parent") == chain_id and row.is_displayed()
    assert tree_row(browser, "answer_question").get_attribute("aria-selected") == "true"

    # Paused: nothing new shows until live is on again.
    toggle = browser.find_element(By.CSS_SELECTOR, "[data-live]")
    toggle.click()
    assert browser.find_element(By.CSS_SELECTOR, "[data-live-status]").text == "paused"
    paused_name = f"while_paused_{uuid.uuid4().hex[:6]}"
    client.events.create(
        PostEventRequest(
            event={
                "event_type": "tool",
                "event_name": paused_name,
                "session_id": seeded.session_id,
                "inputs": {},
                "duration": 3.0,
            }
        )
    )
    time.sleep(3)
    assert not browser.find_elements(By.XPATH, f'//span[@class="label"][text()="{paused_name}"]')
    toggle.click()
    wait(browser).until(
        lambda d: d.find_elements(By.XPATH, f'//span[@class="label"][text()="{paused_name}"]')
    )

    # The sessions list picks up a new session too.
    browser.get(f"{ui_server.url}/ui/sessions?field=source&op=is&value=ui-live")
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "td.empty"))
    new_sid = str(uuid.uuid4())
    client.sessions.start(
        StartSessionRequest(
            session={"session_id": new_sid, "session_name": "arrived-live", "source": "ui-live"}
        )
    )
    wait(browser).until(
        lambda d: [r.get_attribute("data-session-id") for r in session_rows(d)] == [new_sid]
    )


def test_search_any_events_with_shareable_filters(
    browser: webdriver.Chrome, ui_server: LiveServer, seeded: Seeded, artifacts: Path
) -> None:
    browser.get(f"{ui_server.url}/ui/search")
    form = browser.find_element(By.CSS_SELECTOR, "form.filters")
    form.find_element(By.NAME, "field").send_keys("session_id")
    form.find_element(By.NAME, "value").send_keys(seeded.session_id)
    browser.find_element(By.CSS_SELECTOR, "[data-add-row]").click()
    second = browser.find_elements(By.CSS_SELECTOR, "[data-filter-row]")[1]
    second.find_element(By.NAME, "field").send_keys("metadata.total_tokens")
    Select(second.find_element(By.NAME, "op")).select_by_visible_text("greater than")
    second.find_element(By.NAME, "value").send_keys("10")
    Select(second.find_element(By.NAME, "type")).select_by_visible_text("number")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda d: "metadata.total_tokens" in d.current_url)
    shared = browser.current_url
    rows = browser.find_elements(By.CSS_SELECTOR, "table.results tbody tr")
    assert len(rows) == 1 and rows[0].text.startswith("chat_completion")
    assert "1 matching event," in browser.find_element(By.CSS_SELECTOR, ".summary").text
    browser.save_screenshot(str(artifacts / "search.png"))

    # The URL is the whole view: loaded afresh, it shows the same filters and results.
    browser.get("about:blank")
    browser.get(shared)
    values = [i.get_attribute("value") for i in browser.find_elements(By.NAME, "value")]
    assert values == [seeded.session_id, "10"]
    link = browser.find_element(By.CSS_SELECTOR, "table.results tbody tr td a")
    link.click()
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-detail] .chat")))
    assert urlparse(browser.current_url).path == f"/ui/sessions/{seeded.session_id}"

    # Not only sessions: tools of every session, by type.
    browser.get(
        f"{ui_server.url}/ui/search?field=event_type&op=is&value=tool"
        f"&field=session_id&op=is&value={seeded.session_id}"
    )
    names = {
        r.text.split("\n")[0]
        for r in browser.find_elements(By.CSS_SELECTOR, "table.results tbody tr")
    }
    assert {"weather_lookup", "send_notification"} <= names


def test_pages_pass_the_accessibility_check(
    browser: webdriver.Chrome, ui_server: LiveServer, seeded: Seeded
) -> None:
    pages = {
        "sessions": "/ui/sessions?field=source&op=is&value=ui-test",
        "session with detail": f"/ui/sessions/{seeded.session_id}",
        "search": f"/ui/search?field=session_id&op=is&value={seeded.session_id}",
        "login": "/ui/login",
    }
    for label, path in pages.items():
        browser.get(ui_server.url + path)
        if label == "session with detail":
            tree_row(browser, "chat_completion").click()
            wait(browser).until(
                ec.presence_of_element_located((By.CSS_SELECTOR, "[data-detail] .chat"))
            )
        assert_accessible(browser, label)


def test_docs_load_with_the_network_blocked(
    browser: webdriver.Chrome, ui_server: LiveServer
) -> None:
    browser.get(f"{ui_server.url}/docs")
    operations = wait(browser).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock-summary-path")
    )
    paths = {op.get_attribute("data-path") or op.text for op in operations}
    assert "/v1/events/search" in paths
    resources: list[Any] = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources and all(name.startswith(ui_server.url) for name in resources), resources
    assert httpx.get(f"{ui_server.url}/docs").text.count("cdn.") == 0
    # The browser cannot reach the internet (see conftest): a CDN asset does not load.
    outcome = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css", {mode: "no-cors"})
          .then(() => done("loaded"), () => done("blocked"));
        """
    )
    assert outcome == "blocked"
