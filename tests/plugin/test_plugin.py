"""The pytest plugin itself: registration, no `app` import, fixtures and helpers."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

import events_api_pytest
from events_api_pytest import EventsApiError, EventsApiServer, EventsWaitTimeout


def test_registered_as_a_pytest11_entry_point() -> None:
    found = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    assert found.get("events_api") == "events_api_pytest"


def test_the_plugin_module_does_not_import_the_app_package() -> None:
    probe = (
        "import sys, events_api_pytest; "
        "print(sorted(m for m in sys.modules if m == 'app' or m.startswith('app.')))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"
    assert "import app" not in Path(events_api_pytest.__file__).read_text()


def test_a_project_with_its_own_app_package_can_use_the_plugin(tmp_path: Path) -> None:
    """A user's project: its own `app` package, two tests; the second one sees none of the
    first one's events (the function fixture resets)."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("raise ImportError('the user app')\n")
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import os
            import httpx

            def test_one(events_api):
                assert os.environ["HH_API_URL"] == events_api.url
                assert os.environ["HH_API_KEY"] == events_api.api_key
                httpx.post(events_api.url + "/v1/events",
                           json={"event_type": "tool", "inputs": {}}).raise_for_status()
                assert len(events_api.wait_for(1)) == 1

            def test_two(events_api):
                assert events_api.events() == []
            """
        )
    )
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        env={**_env_without_pythonpath(), "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "2 passed" in completed.stdout


def _env_without_pythonpath() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_session_server_is_in_test_mode_on_loopback(events_server: EventsApiServer) -> None:
    assert events_server.url.startswith("http://127.0.0.1:")
    assert events_server.api_key.startswith("hh_test_")
    assert httpx.get(f"{events_server.url}/readyz").status_code == 200
    assert httpx.get(f"{events_server.url}/_test/faults").status_code == 200


def test_wait_for_raises_an_assertion_error_with_the_count(events_api: EventsApiServer) -> None:
    httpx.post(f"{events_api.url}/v1/events", json={"event_type": "tool", "inputs": {}})
    started = time.monotonic()
    with pytest.raises(EventsWaitTimeout, match=r"for 2 event\(s\) matching event_type='tool'"):
        events_api.wait_for(2, timeout=0.3, event_type="tool")
    assert time.monotonic() - started < 5
    with pytest.raises(AssertionError) as raised:
        events_api.wait_for(1, timeout=0.1, event_type="model")
    assert isinstance(raised.value, EventsWaitTimeout) and raised.value.count == 0


def test_filters_by_shortcut_keyword_path_and_filter_list(events_api: EventsApiServer) -> None:
    for name, run_id in (("a", "r1"), ("b", "r2")):
        httpx.post(
            f"{events_api.url}/v1/events",
            json={
                "event_type": "chain",
                "event_name": name,
                "inputs": {},
                "metadata": {"run_id": run_id, "cost": 0.5},
            },
        )
    assert [e["event_name"] for e in events_api.events(event_name="b")] == ["b"]
    assert [e["event_name"] for e in events_api.events(metadata__run_id="r1")] == ["a"]
    cheap = [{"field": "metadata.cost", "operator": "less than", "value": 1}]
    assert len(events_api.wait_for(2, filters=cheap)) == 2
    assert events_api.events(filters=cheap, event_name="a")[0]["metadata"]["run_id"] == "r1"
    with pytest.raises(EventsApiError, match="400"):
        events_api.events(filters=[{"field": "nope", "operator": "is", "value": 1}])


def test_fail_next_delay_and_clear_faults(events_api: EventsApiServer) -> None:
    fault = events_api.fail_next("GET", "/healthz", status=None, delay_ms=300)
    assert fault["status"] is None and fault["delay_ms"] == 300
    started = time.monotonic()
    assert httpx.get(f"{events_api.url}/healthz").status_code == 200
    assert time.monotonic() - started >= 0.3

    events_api.fail_next("*", "/v1/*", status=429, count=5, retry_after_s=9)
    response = httpx.post(f"{events_api.url}/v1/sessions", json={})
    assert response.status_code == 429 and response.headers["retry-after"] == "9"
    events_api.clear_faults()
    assert httpx.post(f"{events_api.url}/v1/sessions", json={}).status_code == 200
    assert [r["status"] for r in events_api.requests(path="/v1/sessions")] == [429, 200]


def test_reset_clears_events_and_requests(events_api: EventsApiServer) -> None:
    httpx.post(f"{events_api.url}/v1/events", json={"event_type": "tool", "inputs": {}})
    assert len(events_api.events()) == 1 and len(events_api.requests()) == 1
    events_api.reset()
    assert events_api.events() == [] and events_api.requests() == []


def test_events_api_url_uses_a_running_server(events_api: EventsApiServer, tmp_path: Path) -> None:
    (tmp_path / "test_external.py").write_text(
        textwrap.dedent(
            """
            def test_external(events_api):
                assert events_api.url == "URL" and events_api.api_key == "hh_given_key"
                assert events_api.log_path is None  # nothing was started
                events_api.fail_next("GET", "/healthz", status=418)
            """
        ).replace("URL", events_api.url)
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--events-api-url={events_api.url}",
            "--events-api-key=hh_given_key",
            "test_external.py",
        ],
        cwd=tmp_path,
        env=_env_without_pythonpath(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert httpx.get(f"{events_api.url}/healthz").status_code == 418  # armed by the other run
