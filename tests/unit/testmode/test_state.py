"""Pure rules of API keys, request capture and fault injection (no database)."""

from __future__ import annotations

import base64
import gzip
import zlib

import pytest

from app.domain.api_keys import (
    display_prefix,
    hash_api_key,
    hashes_match,
    new_api_key,
    project_name_for_token,
)
from app.testmode.captures import (
    MAX_CAPTURED_BODY_BYTES,
    CaptureBuffer,
    CapturedRequest,
    describe_body,
    is_test_route,
    redact_headers,
)
from app.testmode.faults import FaultRegistry


def test_new_keys_are_random_and_hashed_to_hex() -> None:
    keys = {new_api_key() for _ in range(100)}
    assert len(keys) == 100
    key = keys.pop()
    assert key.startswith("hh_") and len(key) == 46
    digest = hash_api_key(key)
    assert len(digest) == 64 and int(digest, 16) >= 0 and digest == hash_api_key(key)
    assert hashes_match(digest, hash_api_key(key))
    assert not hashes_match(digest, hash_api_key(key + "x"))
    assert display_prefix(key) == key[:10]


def test_project_per_token_names_are_stable_distinct_and_hide_the_token() -> None:
    name = project_name_for_token("hh_secret")
    assert name == project_name_for_token("hh_secret")
    assert name != project_name_for_token("hh_secret2")
    assert name.startswith("token-") and "secret" not in name


def test_headers_are_redacted_and_repeated_ones_joined() -> None:
    headers = redact_headers(
        [
            (b"Authorization", b"Bearer hh_secret"),
            (b"proxy-authorization", b"token"),
            (b"X-Multi", b"a"),
            (b"x-multi", b"b"),
        ]
    )
    assert headers == {
        "authorization": "Bearer <redacted>",
        "proxy-authorization": "<redacted>",
        "x-multi": "a, b",
    }


@pytest.mark.parametrize(
    ("body", "encoding", "truncated", "expected"),
    [
        (b"", None, False, (None, None)),
        (b'{"a": 1}', None, False, ({"a": 1}, None)),
        (b"[1, 2]", "identity", False, ([1, 2], None)),
        (gzip.compress(b'{"z": true}'), "gzip", False, ({"z": True}, None)),
        (zlib.compress(b'"text"'), "deflate", False, ("text", None)),
        (b"\x0a\x03abc", None, False, (None, base64.b64encode(b"\x0a\x03abc").decode())),
        (b'{"a": 1}', None, True, (None, base64.b64encode(b'{"a": 1}').decode())),
        (b"not gzip", "gzip", False, (None, base64.b64encode(b"not gzip").decode())),
    ],
)
def test_bodies_are_json_or_base64(
    body: bytes, encoding: str | None, truncated: bool, expected: tuple
) -> None:
    assert describe_body(body, encoding, truncated=truncated) == expected


def test_a_gzip_bomb_is_not_inflated_past_the_capture_limit() -> None:
    bomb = gzip.compress(b"[" + b"0," * MAX_CAPTURED_BODY_BYTES + b"0]")
    json_body, encoded = describe_body(bomb, "gzip", truncated=False)
    assert json_body is None and base64.b64decode(encoded or "") == bomb


def captured(buffer: CaptureBuffer, project: str, path: str, method: str = "GET") -> None:
    buffer.add(
        CapturedRequest(
            seq=buffer.next_seq(),
            project_id=project,
            received_at_ms=0,
            method=method,
            path=path,
            query="",
            headers={},
            body=None,
            body_base64=None,
            body_truncated=False,
            status=200,
        )
    )


def test_capture_buffer_is_bounded_per_project_and_filterable() -> None:
    buffer = CaptureBuffer(limit=4)
    for index in range(5):
        captured(buffer, "a" if index % 2 else "b", f"/v1/{index}", "POST" if index else "GET")
    assert len(buffer) == 4  # the oldest one (/v1/0) was dropped
    assert [r.path for r in buffer.list("a")] == ["/v1/1", "/v1/3"]
    assert [r.path for r in buffer.list("b")] == ["/v1/2", "/v1/4"]
    assert [r.path for r in buffer.list("b", path="/v1/4")] == ["/v1/4"]
    assert buffer.list("b", method="get") == []
    assert buffer.clear("a") == 2 and buffer.list("a") == [] and len(buffer) == 2


def test_test_routes_are_recognised() -> None:
    assert is_test_route("/_test") and is_test_route("/_test/wait")
    assert not is_test_route("/_testing") and not is_test_route("/v1/_test")


def test_faults_are_used_up_in_order_per_project() -> None:
    registry = FaultRegistry()
    assert not registry.armed
    first = registry.arm(
        "p", method="post", path="/v1/*", status=503, count=2, retry_after_s=None, delay_ms=0
    )
    registry.arm("p", method="*", path="/v1/x", status=500, count=1, retry_after_s=3, delay_ms=5)
    assert first.method == "POST" and first.retry_after == 1
    assert registry.take("q", "POST", "/v1/x") is None  # another project
    assert registry.take("p", "GET", "/v2/x") is None  # no match
    taken = registry.take("p", "POST", "/v1/x")
    assert taken is not None and taken.id == first.id and taken.remaining == 2
    assert [f.remaining for f in registry.list("p")] == [1, 1]
    assert registry.take("p", "POST", "/v1/x").id == first.id  # type: ignore[union-attr]
    second = registry.take("p", "GET", "/v1/x")
    assert second is not None and second.status == 500 and second.retry_after == 3
    assert registry.list("p") == [] and not registry.armed


def test_retry_after_only_for_429_and_503_unless_given() -> None:
    registry = FaultRegistry()
    defaults = {"method": "*", "path": "*", "count": 1, "delay_ms": 0}
    assert registry.arm("p", status=429, retry_after_s=None, **defaults).retry_after == 1
    assert registry.arm("p", status=500, retry_after_s=None, **defaults).retry_after is None
    assert registry.arm("p", status=None, retry_after_s=None, **defaults).retry_after is None
    assert registry.arm("p", status=502, retry_after_s=4, **defaults).retry_after == 4
    assert registry.clear("p") == 4 and registry.clear("p") == 0
