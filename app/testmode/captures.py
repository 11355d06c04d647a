"""Test mode: the bounded record of the raw requests a server received (no I/O)."""

from __future__ import annotations

import base64
import fnmatch
import itertools
import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import orjson

# Bodies longer than this are recorded cut (``body_truncated: true``).
MAX_CAPTURED_BODY_BYTES: Final[int] = 1024 * 1024
REDACTED_HEADERS: Final[frozenset[str]] = frozenset({"authorization", "proxy-authorization"})
REDACTED: Final[str] = "<redacted>"
# Test mode's own routes: never recorded, never made to fail.
TEST_ROUTES_PREFIX: Final[str] = "/_test"


# What a person's browser loads (the trace browser, the API docs): not API traffic.
BROWSER_PATH_PREFIXES: Final[tuple[str, ...]] = ("/ui", "/docs", "/openapi.json")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def is_test_route(path: str) -> bool:
    return _under(path, TEST_ROUTES_PREFIX)


def is_outside_test_mode(path: str) -> bool:
    """Requests test mode neither records nor answers with an armed fault: the /_test
    routes themselves, and the browser's pages (a trace browser polling a session must not
    fill the capture buffer or use up faults armed for the application under test)."""
    return is_test_route(path) or any(_under(path, p) for p in BROWSER_PATH_PREFIXES)


@dataclass(frozen=True, slots=True)
class CapturedRequest:
    seq: int
    project_id: str
    received_at_ms: int
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    body_base64: str | None
    body_truncated: bool
    status: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "received_at": self.received_at_ms,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "body_base64": self.body_base64,
            "body_truncated": self.body_truncated,
            "status": self.status,
        }


def redact_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Headers by lowercase name (repeated ones joined with ", "); credentials are replaced
    by ``<scheme> <redacted>``."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in REDACTED_HEADERS:
            scheme, _, rest = value.strip().partition(" ")
            value = f"{scheme} {REDACTED}" if rest else REDACTED
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _inflate(body: bytes, encoding: str) -> bytes | None:
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    try:
        inflater = zlib.decompressobj(wbits)
        data = inflater.decompress(body, MAX_CAPTURED_BODY_BYTES + 1)
    except zlib.error:
        return None
    return None if len(data) > MAX_CAPTURED_BODY_BYTES else data


def describe_body(
    body: bytes, content_encoding: str | None, *, truncated: bool
) -> tuple[Any, str | None]:
    """``(json_value, None)`` when the body is JSON (after undoing gzip/deflate), else
    ``(None, base64)``; an empty body is ``(None, None)``."""
    if not body:
        return None, None
    encoding = (content_encoding or "").strip().lower()
    text = body
    if not truncated and encoding in ("gzip", "deflate"):
        text = _inflate(body, encoding) or b""
    if text and not truncated:
        try:
            return orjson.loads(text), None
        except orjson.JSONDecodeError:
            pass
    return None, base64.b64encode(body).decode("ascii")


class CaptureBuffer:
    """The last ``limit`` requests of every project together (a ring buffer)."""

    def __init__(self, limit: int) -> None:
        self._items: deque[CapturedRequest] = deque(maxlen=limit)
        self._seq = itertools.count(1)

    def __len__(self) -> int:
        return len(self._items)

    def next_seq(self) -> int:
        """Numbers requests in arrival order."""
        return next(self._seq)

    def add(self, item: CapturedRequest) -> None:
        self._items.append(item)

    def list(
        self, project_id: str, *, method: str | None = None, path: str | None = None
    ) -> list[CapturedRequest]:
        """The project's requests, oldest first; `path` is an fnmatch pattern."""
        found = [
            item
            for item in self._items
            if item.project_id == project_id
            and (method is None or item.method == method.upper())
            and (path is None or fnmatch.fnmatchcase(item.path, path))
        ]
        return sorted(found, key=lambda item: item.seq)

    def clear(self, project_id: str) -> int:
        kept = [item for item in self._items if item.project_id != project_id]
        removed = len(self._items) - len(kept)
        self._items.clear()
        self._items.extend(kept)
        return removed
