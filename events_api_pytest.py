"""pytest plugin of the Events API server: test an app traced with the HoneyHive SDK.

Installed with the server (entry point ``pytest11: events_api``), it gives tests:

* ``events_server`` (session scope): a real ``events-api serve --test-mode`` process on a
  free loopback port with a temporary SQLite database (or, with ``--events-api-url``, a
  server already running in test mode);
* ``events_api`` (function scope): the same server after a reset of its events, captured
  requests and faults, with ``HH_API_URL`` and ``HH_API_KEY`` set for the test.

Both are an :class:`EventsApiServer`: ``url``, ``api_key``, ``reset()``,
``wait_for(count, timeout=..., **filters)``, ``events(**filters)``, ``requests()``,
``fail_next(method, path, status=503, count=1, retry_after_s=None, delay_ms=None)`` and
``clear_faults()``.

This module deliberately does not import the server's own ``app`` package (your project
may have an ``app`` package too): it starts the server as a subprocess and speaks HTTP.
Disable it with ``-p no:events_api``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from events_api_launcher import server_env, start_server, stop_server

__all__ = ["EventsApiError", "EventsApiServer", "EventsWaitTimeout"]

# GET /_test/wait query parameters that mean "<field> is <value>".
_SHORTCUTS = frozenset(
    {"event_type", "event_name", "session_id", "event_id", "parent_id", "source"}
)


class EventsApiError(RuntimeError):
    """The test server answered a /_test call with an error."""


class EventsWaitTimeout(AssertionError):
    """``wait_for`` saw fewer matching events than asked for before its timeout."""

    def __init__(self, message: str, count: int) -> None:
        super().__init__(message)
        self.count = count


def _filter_params(filters: list[dict[str, Any]] | None, fields: dict[str, Any]) -> list[Any]:
    """Query parameters for /_test/wait: shortcuts as they are; any other keyword becomes
    an ``is`` filter on the field it names, ``__`` standing for ``.``
    (``metadata__run_id="r1"`` is ``metadata.run_id is "r1"``)."""
    params: list[tuple[str, Any]] = []
    extra = list(filters or [])
    for name, value in fields.items():
        if name in _SHORTCUTS:
            params.append((name, value))
        else:
            extra.append({"field": name.replace("__", "."), "operator": "is", "value": value})
    if extra:
        params.append(("filters", json.dumps(extra)))
    return params


class EventsApiServer:
    """A running Events API server in test mode, seen through one API key's project."""

    def __init__(self, url: str, api_key: str, *, log_path: Path | None = None) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.log_path = log_path
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(30.0),
        )

    def __repr__(self) -> str:
        return f"EventsApiServer(url={self.url!r})"

    def close(self) -> None:
        self._http.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        timeout: float | None = None,
        expect: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> httpx.Response:
        response = self._http.request(
            method,
            path,
            timeout=httpx.Timeout(timeout) if timeout is not None else self._http.timeout,
            **kwargs,
        )
        if response.status_code not in expect:
            raise EventsApiError(
                f"{method} {path} answered {response.status_code}: {response.text[:2000]}"
            )
        return response

    def reset(self) -> None:
        """Delete this project's events, captured requests and armed faults."""
        self._call("POST", "/_test/reset")

    def wait_for(
        self,
        count: int = 1,
        timeout: float = 10.0,
        *,
        filters: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> list[dict[str, Any]]:
        """The stored events matching every filter (oldest first), as soon as there are at
        least ``count``; :class:`EventsWaitTimeout` (an AssertionError) after ``timeout``
        seconds. ``filters`` are search filters; keywords such as ``event_type="tool"``,
        ``session_id=...``, ``event_name=...`` or ``metadata__key=value`` add ``is`` filters."""
        params: list[Any] = [("count", count), ("timeout_s", timeout)]
        params.extend(_filter_params(filters, fields))
        response = self._call(
            "GET", "/_test/wait", params=params, timeout=timeout + 30.0, expect=(200, 408)
        )
        body = response.json()
        if response.status_code == 408:
            wanted = ", ".join(f"{k}={v!r}" for k, v in fields.items()) or "no filter"
            if filters:
                wanted += f", filters={filters!r}"
            raise EventsWaitTimeout(
                f"waited {timeout:g} s for {count} event(s) matching {wanted}; "
                f"{body.get('count')} stored",
                count=int(body.get("count") or 0),
            )
        events: list[dict[str, Any]] = body["events"]
        return events

    def events(
        self, *, filters: list[dict[str, Any]] | None = None, **fields: Any
    ) -> list[dict[str, Any]]:
        """The events stored now that match (oldest first), without waiting."""
        return self.wait_for(0, 0, filters=filters, **fields)

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """The raw requests this project sent, oldest first (``path`` is an fnmatch
        pattern). Each has method, path, query, headers (Authorization redacted), body
        (JSON) or body_base64, and the status it was answered."""
        params = {k: v for k, v in (("method", method), ("path", path)) if v is not None}
        found: list[dict[str, Any]] = self._call("GET", "/_test/requests", params=params).json()[
            "requests"
        ]
        return found

    def fail_next(
        self,
        method: str,
        path: str,
        status: int | None = 503,
        count: int = 1,
        retry_after_s: int | None = None,
        delay_ms: int | None = None,
    ) -> dict[str, Any]:
        """Make the next ``count`` requests matching ``method`` (or ``"*"``) and ``path`` (an
        fnmatch pattern) answer ``status`` in the error envelope (with Retry-After for 429
        and 503), after waiting ``delay_ms``; ``status=None`` only delays them."""
        body: dict[str, Any] = {"method": method, "path": path, "count": count}
        if status is not None:
            body["status"] = status
        if retry_after_s is not None:
            body["retry_after_s"] = retry_after_s
        if delay_ms is not None:
            body["delay_ms"] = delay_ms
        fault: dict[str, Any] = self._call("POST", "/_test/faults", json=body).json()["fault"]
        return fault

    def clear_faults(self) -> None:
        """Disarm every armed fault of this project."""
        self._call("DELETE", "/_test/faults")


def _start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    # The server's settings come from here only; PYTHONPATH is dropped so that a project
    # package named like the server's (``app``) cannot shadow it.
    env = server_env(
        {
            "EVENTS_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'events.sqlite3'}",
            "EVENTS_TEST_MODE": "true",
            "EVENTS_AUTH": "open",
            "EVENTS_PROJECT_PER_TOKEN": "false",
        },
        keep_events_vars=False,
    )
    server = start_server(
        env, workdir / "server.log", cwd=workdir, args=("--test-mode", "--log-level", "warning")
    )
    return server.process, server.url, server.log


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("events_api", "Events API test server")
    group.addoption(
        "--events-api-url",
        default=os.environ.get("EVENTS_API_TEST_URL"),
        help="Use this running server (started with --test-mode) instead of starting one "
        "(env EVENTS_API_TEST_URL).",
    )
    group.addoption(
        "--events-api-key",
        default=None,
        help="API key for --events-api-url (default: a random one, which is a project of "
        "its own on a server with EVENTS_PROJECT_PER_TOKEN=true).",
    )


@pytest.fixture(scope="session")
def events_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EventsApiServer]:
    """An Events API server in test mode for the whole test session."""
    external: str | None = request.config.getoption("--events-api-url")
    api_key: str = request.config.getoption("--events-api-key") or (
        "hh_test_" + secrets.token_urlsafe(24)
    )
    if external:
        server = EventsApiServer(external, api_key)
        try:
            yield server
        finally:
            server.close()
        return
    process, url, log = _start_server(tmp_path_factory.mktemp("events-api"))
    server = EventsApiServer(url, api_key, log_path=log)
    try:
        yield server
    finally:
        server.close()
        stop_server(process)


@pytest.fixture
def events_api(events_server: EventsApiServer, monkeypatch: pytest.MonkeyPatch) -> EventsApiServer:
    """The session's server, reset for this test, with HH_API_URL / HH_API_KEY pointing
    the HoneyHive SDK at it."""
    events_server.reset()
    monkeypatch.setenv("HH_API_URL", events_server.url)
    monkeypatch.setenv("HH_API_KEY", events_server.api_key)
    return events_server
