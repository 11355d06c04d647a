"""HTTP calls of the `events-api events` commands to an Events API server (v1 routes, httpx)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
import orjson

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
BASE_URL_ENV_VARS = ("HH_DATA_PLANE_URL", "HH_API_URL")
API_KEY_ENV_VARS = ("HH_PROJECT_API_KEY", "HH_API_KEY")
CLIENT_PACKAGE = "events-api-cli"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class ApiRequestError(Exception):
    """The server answered with a non-2xx status."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"API error {status_code}: {message}")
        self.status_code = status_code
        self.message = message


class ServerUnreachable(Exception):
    """The request got no HTTP answer (connection refused, unknown host, timeout, ...)."""

    def __init__(self, url: str, reason: str, *, connected: bool = False) -> None:
        what = "no answer from" if connected else "could not reach"
        super().__init__(f"{what} the Events API at {url}: {reason}")
        self.url = url
        self.reason = reason


class InvalidBaseUrl(ValueError):
    """A server URL that is not an absolute http(s) URL; ``source`` says where it came from."""

    def __init__(self, value: str, source: str) -> None:
        super().__init__(f"{value!r} is not an http:// or https:// URL")
        self.value = value
        self.source = source


@dataclass(frozen=True)
class Setting:
    """A resolved setting and where it came from (a flag, an env var, or the default)."""

    value: str | None
    source: str


def _first_env(env: Mapping[str, str], names: tuple[str, ...]) -> Setting | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:  # empty values count as unset
            return Setting(value, name)
    return None


def resolve_base_url(flag_value: str | None, env: Mapping[str, str]) -> Setting:
    """``--data-plane-url``, then ``HH_DATA_PLANE_URL``, then ``HH_API_URL``, then the default.

    Raises ``InvalidBaseUrl`` (naming where the value came from) unless it is http(s).
    """
    if flag_value is not None and flag_value.strip():
        setting = Setting(flag_value.strip(), "--data-plane-url")
    else:
        setting = _first_env(env, BASE_URL_ENV_VARS) or Setting(DEFAULT_BASE_URL, "default")
    url = (setting.value or "").rstrip("/")
    parsed = httpx.URL(url) if url.startswith(("http://", "https://")) else None
    if parsed is None or not parsed.host:
        raise InvalidBaseUrl(setting.value or "", setting.source)
    return Setting(url, setting.source)


def resolve_api_key(flag_value: str | None, env: Mapping[str, str]) -> Setting:
    """``--api-key``, then ``HH_PROJECT_API_KEY``, then ``HH_API_KEY``; none is fine."""
    if flag_value:
        return Setting(flag_value, "--api-key")
    return _first_env(env, API_KEY_ENV_VARS) or Setting(None, "none")


def _client_version() -> str:
    try:
        return metadata.version("events-api-server")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def error_message(response: httpx.Response) -> str:
    """The ``message`` of the error envelope, else the raw body (else the reason phrase)."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
    text = response.text.strip()
    return text or response.reason_phrase or "(empty response)"


class EventsApiClient:
    """A synchronous client for the v1 event routes used by the CLI."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {
            "Accept": "application/json",
            "hh-client-package": CLIENT_PACKAGE,
            "hh-client-language": "python",
            "hh-client-version": _client_version(),
        }
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def __enter__(self) -> EventsApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- routes ---------------------------------------------------------------------------

    def create_event(self, event: Mapping[str, Any]) -> Any:
        """``POST /v1/events`` with a bare event object."""
        return self._request("POST", "/v1/events", event)

    def update_event(self, event_id: str, fields: Mapping[str, Any]) -> Any:
        """``PUT /v1/events/{event_id}``; the body carries no ``event_id``."""
        return self._request("PUT", f"/v1/events/{_segment(event_id)}", fields)

    def get_event(self, event_id: str) -> Any:
        """``GET /v1/events/{event_id}``."""
        return self._request("GET", f"/v1/events/{_segment(event_id)}")

    def search_events(self, query: Mapping[str, Any]) -> Any:
        """``POST /v1/events/search``."""
        return self._request("POST", "/v1/events/search", query)

    def create_event_batch(self, body: Mapping[str, Any]) -> Any:
        """``POST /v1/events/batch``."""
        return self._request("POST", "/v1/events/batch", body)

    def delete_event(self, event_id: str) -> Any:
        """``DELETE /v1/events/{event_id}``."""
        return self._request("DELETE", f"/v1/events/{_segment(event_id)}")

    def delete_session(self, session_id: str) -> Any:
        """``DELETE /v1/sessions/{session_id}``."""
        return self._request("DELETE", f"/v1/sessions/{_segment(session_id)}")

    def delete_events(self, body: Mapping[str, Any]) -> Any:
        """``POST /v1/events/delete`` (filters, dateRange, dry_run, all)."""
        return self._request("POST", "/v1/events/delete", body)

    # -- transport ------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        url = f"{self.base_url}{path}"
        content = None if body is None else orjson.dumps(body)
        headers = None if body is None else {"Content-Type": "application/json"}
        try:
            response = self._http.request(method, path, content=content, headers=headers)
        except httpx.TransportError as exc:
            connected = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            reason = str(exc) or type(exc).__name__
            if isinstance(exc, httpx.TimeoutException):
                reason = f"timed out ({type(exc).__name__})"
            raise ServerUnreachable(url, reason, connected=connected) from exc
        if not response.is_success:
            raise ApiRequestError(response.status_code, error_message(response))
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return response.text


def _segment(value: str) -> str:
    return quote(value, safe="")
