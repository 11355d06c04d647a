"""The hostile corpus: requests an attacker, a fuzzer or a broken client sends. Every one must
be answered below 500, in time, with the error envelope when it is refused."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from tests.api.test_otlp_route import attr, request_body, span, to_protobuf

JSON = "application/json"
PROTOBUF = "application/x-protobuf"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Statuses the case may get (any 4xx when empty); 200 is allowed only when listed.
    allowed: frozenset[int] = frozenset()


def _json(value: Any) -> bytes:
    # The standard encoder: it writes integers of any size (orjson stops at 64 bits).
    return json.dumps(value).encode()


def _case(name: str, method: str, path: str, body: Any = None, **kw: Any) -> Case:
    raw = body if isinstance(body, bytes) or body is None else _json(body)
    headers = dict(kw.pop("headers", {}))
    if raw is not None:
        headers.setdefault("Content-Type", JSON)
    allowed = frozenset(kw.pop("allowed", ()))
    return Case(name, method, path, raw, headers, allowed)


def _event(**fields: Any) -> dict[str, Any]:
    return {"event_type": "tool", "inputs": {"q": 1}, **fields}


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def _pb_field(number: int, wire_type: int, payload: bytes) -> bytes:
    return bytes([(number << 3) | wire_type]) + payload


def _otlp_span(**overrides: Any) -> dict[str, Any]:
    item = span(uuid.uuid4().hex, uuid.uuid4().hex[:16], None, "s", honeyhive__session_id="s1")
    item.update(overrides)
    return item


def _otlp(*spans: dict[str, Any]) -> bytes:
    return _json(request_body(*spans))


def _int_attr(value: str) -> dict[str, Any]:
    return {"key": "n", "value": {"intValue": value}}


def _filters(count: int) -> list[dict[str, Any]]:
    return [
        {"field": f"metadata.k{i}", "operator": "is", "value": f"v{i}", "type": "string"}
        for i in range(count)
    ]


def cases() -> list[Case]:
    c: list[Case] = []
    add = c.append
    nul_ids = ("ab%00cd", "%00", "ab%00", "%00ab", "a%2500b%00")

    # --- NUL wherever it enters: path, query, body -------------------------------------
    for i, nid in enumerate(nul_ids):
        add(_case(f"nul-path-get-event-{i}", "GET", f"/v1/events/{nid}"))
        add(_case(f"nul-path-put-event-{i}", "PUT", f"/v1/events/{nid}", {"metadata": {"a": 1}}))
        add(_case(f"nul-path-get-session-{i}", "GET", f"/v1/sessions/{nid}"))
        add(
            _case(
                f"nul-path-session-batch-{i}",
                "POST",
                f"/v1/sessions/{nid}/events/batch",
                {"events": [_event()]},
            )
        )
        add(
            _case(
                f"nul-path-session-traces-{i}",
                "POST",
                f"/session/{nid}/traces",
                {"events": [_event()]},
            )
        )
    for name, query in (
        ("daterange", "dateRange=%00"),
        ("evaluation", "evaluation_id=ab%00"),
        ("key", "a%00b=1"),
        ("both", "dateRange=7d&evaluation_id=%00%00"),
    ):
        add(_case(f"nul-query-{name}", "GET", f"/v1/events/schema?{query}"))
        add(_case(f"nul-query-event-{name}", "GET", f"/v1/events/{uuid.uuid4()}?{query}"))
    for name, event in (
        ("event-name", _event(event_name="a\x00b")),
        ("event-id", _event(event_id="a\x00b")),
        ("session-id", _event(session_id="a\x00b")),
        ("parent-id", _event(parent_id="\x00")),
        ("source", _event(source="x\x00")),
        ("input-key", _event(inputs={"a\x00": 1})),
        ("metadata-value", _event(metadata={"k": "v\x00"})),
        ("nested-list", _event(outputs={"l": ["ok", ["\x00"]]})),
        ("error", _event(error="\x00")),
    ):
        add(_case(f"nul-body-create-{name}", "POST", "/v1/events", event))
        add(_case(f"nul-body-batch-{name}", "POST", "/v1/events/batch", {"events": [event]}))
    add(_case("nul-body-legacy", "POST", "/events", {"event": _event(event_name="\x00")}))
    add(_case("nul-body-update", "PUT", "/v1/events/x", {"metadata": {"\x00": 1}}))
    add(_case("nul-body-legacy-update", "PUT", "/events", {"event_id": "a\x00", "metadata": {}}))
    add(_case("nul-body-session", "POST", "/v1/sessions", {"session_id": "\x00"}))
    add(_case("nul-body-session-start", "POST", "/session/start", {"session": {"x": "\x00"}}))
    add(
        _case(
            "nul-body-filter",
            "POST",
            "/v1/events/search",
            {"filters": [{"field": "event_name", "operator": "is", "value": "a\x00"}]},
        )
    )
    add(_case("nul-body-export-daterange", "POST", "/v1/events/export", {"dateRange": "\x00"}))
    add(
        _case(
            "nul-otlp-json-name",
            "POST",
            "/v1/traces",
            _otlp(_otlp_span(name="a\x00b")),
            allowed={200},
        )
    )
    add(
        _case(
            "nul-otlp-json-attr",
            "POST",
            "/v1/traces",
            _otlp(_otlp_span(attributes=[attr("k", "v\x00")])),
            allowed={200},
        )
    )
    nul_pb = to_protobuf(request_body(_otlp_span(name="x\x00y", attributes=[attr("k\x00", 1)])))
    add(
        _case(
            "nul-otlp-protobuf",
            "POST",
            "/v1/traces",
            nul_pb,
            headers={"Content-Type": PROTOBUF},
            allowed={200},
        )
    )

    # --- page and limit ---------------------------------------------------------------
    for route in ("/v1/events/search", "/v1/events/export"):
        kind = route.rsplit("/", 1)[1]
        for label, page, limit in (
            ("page-2^62", 4611686018427387904, 100),
            ("page-2^63", 2**63, 100),
            ("page-2^64", 2**64, 1),
            ("page-huge-float", 1e300, 1),
            ("page-zero", 0, 1),
            ("page-negative", -1, 1),
            ("page-string", "1", 1),
            ("page-fraction", 1.5, 1),
            ("page-bool", True, 1),
            ("limit-zero", 1, 0),
            ("limit-huge", 1, 10**12),
            ("limit-negative", 1, -5),
            ("limit-null", 1, None),
            ("page-max-plus-one", 1_000_000_001, 1),
        ):
            add(_case(f"{kind}-{label}", "POST", route, {"page": page, "limit": limit}))
        add(
            _case(
                f"{kind}-last-allowed-page",
                "POST",
                route,
                {"page": 1_000_000_000, "limit": 1000},
                allowed={200},
            )
        )

    # --- filters ----------------------------------------------------------------------
    for route in ("/v1/events/search", "/v1/events/export"):
        kind = route.rsplit("/", 1)[1]
        add(_case(f"{kind}-100-filters", "POST", route, {"filters": _filters(100)}, allowed={200}))
        for count in (101, 250, 10_000):
            add(_case(f"{kind}-{count}-filters", "POST", route, {"filters": _filters(count)}))
    for name, flt in (
        ("unknown-operator", {"field": "event_name", "operator": "matches", "value": "x"}),
        ("value-object", {"field": "event_name", "operator": "is", "value": {"a": 1}}),
        ("value-list", {"field": "event_name", "operator": "is", "value": [1, 2]}),
        ("number-not-number", {"field": "duration", "operator": "greater than", "value": "abc"}),
        ("number-huge", {"field": "duration", "operator": "greater than", "value": 1e400}),
        (
            "int-2^64",
            {"field": "metadata.n", "operator": "is", "value": 2**64 - 1, "type": "number"},
        ),
        ("datetime-garbage", {"field": "start_time", "operator": "after", "value": "yesterday"}),
        ("datetime-huge", {"field": "start_time", "operator": "after", "value": 10**30}),
        ("field-empty", {"field": "", "operator": "exists"}),
        ("field-deep", {"field": "metadata." + ".".join(["a"] * 2000), "operator": "exists"}),
        ("field-dots", {"field": "metadata....", "operator": "exists"}),
        ("field-unknown", {"field": "no_such_column", "operator": "exists"}),
        ("field-sql", {"field": "event_name; DROP TABLE events", "operator": "exists"}),
        ("glob-specials", {"field": "event_name", "operator": "contains", "value": "*?[]^\\"}),
        ("regex-specials", {"field": "event_name", "operator": "contains", "value": ".*+(|{$"}),
        ("long-value", {"field": "event_name", "operator": "contains", "value": "x" * 200_000}),
        ("filter-not-object", "event_name is x"),
        ("type-unknown", {"field": "event_name", "operator": "is", "value": "x", "type": "uuid"}),
    ):
        add(_case(f"filter-{name}", "POST", "/v1/events/search", {"filters": [flt]}, allowed={200}))
    add(_case("filters-not-list", "POST", "/v1/events/search", {"filters": {"a": 1}}))
    for name, date_range in (
        ("reversed", {"$gte": 2_000_000_000_000, "$lte": 1}),
        ("garbage", {"$gte": "not a date"}),
        ("huge", {"$gte": 10**30}),
        ("negative", {"$gte": -(10**20)}),
        ("nested", {"$gte": {"$gte": 1}}),
        ("relative-huge", {"relative": "99999999999999999999d"}),
    ):
        add(
            _case(
                f"daterange-{name}",
                "POST",
                "/v1/events/search",
                {"dateRange": date_range},
                allowed={200},
            )
        )
        add(
            _case(
                f"export-daterange-{name}",
                "POST",
                "/v1/events/export",
                {"dateRange": date_range},
                allowed={200},
            )
        )
    for name, query in (
        ("json-garbage", "dateRange=%7B%22%24gte"),
        ("relative-huge", "dateRange=99999999999999999999d"),
        ("python-repr", "dateRange=gte%3D%27x%27%20lte%3D%27y%27"),
        ("very-long", "dateRange=" + "7" * 20_000),
    ):
        add(_case(f"schema-{name}", "GET", f"/v1/events/schema?{query}", allowed={200}))

    # --- JSON structure ---------------------------------------------------------------
    for name, raw in (
        ("empty", b""),
        ("whitespace", b"   "),
        ("null", b"null"),
        ("array", b"[]"),
        ("number", b"1"),
        ("string", b'"x"'),
        ("truncated", b'{"event_type": "tool", "inputs": {'),
        ("trailing-garbage", b'{"event_type": "tool", "inputs": {}} xx'),
        ("nan", b'{"event_type": "tool", "inputs": {"a": NaN}}'),
        ("infinity", b'{"event_type": "tool", "inputs": {"a": Infinity}}'),
        ("lone-surrogate", b'{"event_type": "tool", "inputs": {"a": "\\ud800"}}'),
        ("invalid-utf8", b'{"event_type": "tool", "inputs": {"a": "\xff\xfe"}}'),
        ("bom", b'\xef\xbb\xbf{"event_type": "tool", "inputs": {}}'),
        ("depth-65", _json(_event(inputs=_deep(65)))),
        ("depth-10000", b'{"inputs":' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001),
        ("array-depth-10000", b'{"inputs": {"a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}}"),
        ("number-1e400", b'{"event_type": "tool", "inputs": {"a": 1e400}}'),
        ("int-2^64", b'{"event_type": "tool", "inputs": {"a": 18446744073709551616}}'),
        ("int-huge", b'{"event_type": "tool", "inputs": {"a": ' + b"9" * 5000 + b"}}"),
        ("duplicate-keys", b'{"event_type": "tool", "event_type": "chain", "inputs": {}}'),
        ("inputs-list", _json(_event(inputs=[1, 2]))),
        ("inputs-null", _json(_event(inputs=None))),
        ("type-unknown", _json(_event(event_type="banana"))),
        ("type-number", _json(_event(event_type=1))),
        ("unknown-key", _json(_event(surprise=True))),
        ("big-string", _json(_event(inputs={"s": "x" * 2_000_000}))),
        ("many-keys", _json(_event(metadata={f"k{i}": i for i in range(20_000)}))),
        ("unicode-keys", _json(_event(metadata={"ключ": "値", "🙂": "\u202e"}))),
    ):
        allowed = (
            {200}
            if name
            in ("bom", "int-2^64", "big-string", "many-keys", "unicode-keys", "duplicate-keys")
            else set()
        )
        add(_case(f"json-{name}", "POST", "/v1/events", raw, allowed=allowed))

    # --- times and numbers -------------------------------------------------------------
    for name, fields in (
        ("start-negative", {"start_time": -1}),
        ("start-1e20", {"start_time": 1e20}),
        ("start-2^63", {"start_time": 2**63}),
        ("start-string", {"start_time": "yesterday"}),
        ("start-nan-string", {"start_time": "NaN"}),
        ("start-bool", {"start_time": True}),
        ("end-before-start", {"start_time": 1_700_000_000_000, "end_time": 1}),
        ("end-year-10000", {"end_time": 253_402_300_800_000}),
        ("duration-huge", {"duration": 1e308}),
        ("duration-negative", {"duration": -1e308}),
        ("duration-string", {"duration": "long"}),
        ("children-not-list", {"children_ids": "abc"}),
        ("children-numbers", {"children_ids": [1, 2, 3]}),
        ("metadata-list", {"metadata": [1]}),
        ("feedback-string", {"feedback": "good"}),
        ("config-number", {"config": 3}),
        ("outputs-string", {"outputs": "plain"}),
    ):
        add(_case(f"time-{name}", "POST", "/v1/events", _event(**fields), allowed={200}))
        add(_case(f"update-{name}", "PUT", f"/v1/events/{uuid.uuid4()}", fields))

    # --- ids ---------------------------------------------------------------------------
    for name, value in (
        ("long", "x" * 10_000),
        ("unicode", "événement-🙂"),
        ("traversal", "../../etc/passwd"),
        ("spaces", "  a b  "),
        ("percent", "%41%42"),
        ("empty", ""),
        ("number", 12345),
        ("null", None),
        ("object", {"id": 1}),
        ("rtl", "\u202eevil"),
    ):
        add(_case(f"id-event-{name}", "POST", "/v1/events", _event(event_id=value), allowed={200}))
        add(
            _case(
                f"id-session-{name}", "POST", "/v1/sessions", {"session_id": value}, allowed={200}
            )
        )
    for name, path in (
        ("long-path", "/v1/events/" + "a" * 8000),
        ("encoded-slash", "/v1/events/a%2Fb"),
        ("dot-dot", "/v1/events/%2e%2e"),
        ("double-slash", "//v1//events"),
        ("unicode-path", "/v1/events/%F0%9F%99%82"),
        ("bad-percent", "/v1/events/%zz"),
        ("overlong-utf8", "/v1/events/%C0%AF"),
        ("invalid-utf8-path", "/v1/events/%FF%FE"),
    ):
        add(_case(f"path-{name}", "GET", path, allowed={200}))

    # --- headers and methods -----------------------------------------------------------
    event = _json(_event())
    for name, headers in (
        ("text-plain", {"Content-Type": "text/plain"}),
        ("multipart", {"Content-Type": "multipart/form-data; boundary=x"}),
        ("form", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("garbage-type", {"Content-Type": ";;;"}),
        ("gzip-not-gzip", {"Content-Type": JSON, "Content-Encoding": "gzip"}),
        ("long-token", {"Content-Type": JSON, "Authorization": "Bearer " + "t" * 10_000}),
        ("basic-auth", {"Content-Type": JSON, "Authorization": "Basic YTpi"}),
        ("empty-bearer", {"Content-Type": JSON, "Authorization": "Bearer "}),
        ("weird-accept", {"Content-Type": JSON, "Accept": "image/png"}),
        ("x-source-long", {"Content-Type": JSON, "X-Source": "s" * 5000}),
    ):
        add(Case(f"header-{name}", "POST", "/v1/events", event, headers, frozenset({200})))
    for method, path in (
        ("DELETE", "/v1/events/x"),
        ("PATCH", "/v1/events/x"),
        ("OPTIONS", "/v1/events"),
        ("TRACE", "/v1/events"),
        ("GET", "/v1/events/batch"),
        ("GET", "/v1/traces"),
        ("PUT", "/v1/events/search"),
        ("POST", "/readyz"),
        ("GET", "/nope"),
    ):
        add(_case(f"method-{method.lower()}{path.replace('/', '-')}", method, path))

    # --- batches and legacy routes ------------------------------------------------------
    for name, route, body in (
        ("events-null", "/v1/events/batch", {"events": None}),
        ("events-object", "/v1/events/batch", {"events": {"a": 1}}),
        ("events-strings", "/v1/events/batch", {"events": ["a", "b"]}),
        ("one-bad-item", "/v1/events/batch", {"events": [_event(), {"inputs": 1}]}),
        ("duplicate-ids", "/v1/events/batch", {"events": [_event(event_id="d1")] * 50}),
        ("5000-events", "/v1/events/batch", {"events": [_event() for _ in range(5000)]}),
        (
            "session-props-bad",
            "/v1/events/batch",
            {"events": [], "single_session": True, "session_properties": 5},
        ),
        ("legacy-string-event", "/events", {"event": "{not json"}),
        ("legacy-event-list", "/events", {"event": [1]}),
        ("legacy-batch-session", "/events/batch", {"events": [_event()], "session": "x"}),
        (
            "model-messages-huge",
            "/events/model",
            {"model_event": {"messages": [{"role": "u"}] * 10_000}},
        ),
        ("model-not-object", "/events/model", {"model_event": 5}),
        ("model-batch-null", "/events/model/batch", {"model_events": None}),
        ("session-start-null", "/session/start", {"session": None}),
        ("session-start-list", "/session/start", {"session": []}),
        ("traces-both", "/session/s/traces", {"events": [_event()], "logs": [_event()]}),
        ("traces-neither", "/session/s/traces", {}),
        ("session-batch-bad", "/v1/sessions/s/events/batch", {"events": "x"}),
        ("sessions-not-uuid", "/v1/sessions", {"session_id": "not-a-uuid", "start_time": "x"}),
    ):
        add(_case(f"batch-{name}", "POST", route, body, allowed={200}))

    # --- OTLP ----------------------------------------------------------------------------
    for name, value in (
        ("int-2^63", "9223372036854775808"),
        ("int-2^64", "18446744073709551616"),
        ("int-huge", "9" * 400),
        ("int-min-minus-one", "-9223372036854775809"),
        ("int-float-huge", 1e30),
        ("int-garbage", "12abc"),
    ):
        add(
            _case(
                f"otlp-{name}",
                "POST",
                "/v1/traces",
                _otlp(_otlp_span(attributes=[_int_attr(value)])),  # type: ignore[arg-type]
                allowed={200},
            )
        )
    for name, overrides in (
        ("start-huge", {"startTimeUnixNano": "9" * 30}),
        ("start-2^64", {"startTimeUnixNano": "18446744073709551615"}),
        ("start-negative", {"startTimeUnixNano": "-5"}),
        ("end-before-start", {"endTimeUnixNano": "1"}),
        ("trace-short", {"traceId": "abc"}),
        ("trace-zero", {"traceId": "0" * 32}),
        ("span-not-hex", {"spanId": "zzzzzzzzzzzzzzzz"}),
        ("kind-unknown", {"kind": "SPAN_KIND_BANANA"}),
        ("kind-number-huge", {"kind": 99999999999}),
        ("status-garbage", {"status": {"code": "NOPE"}}),
        ("attributes-object", {"attributes": {"a": 1}}),
        ("events-huge-time", {"events": [{"name": "e", "timeUnixNano": "9" * 40}]}),
        ("double-nan", {"attributes": [{"key": "d", "value": {"doubleValue": "NaN"}}]}),
        ("bytes-not-b64", {"attributes": [{"key": "b", "value": {"bytesValue": "%%%"}}]}),
        ("deep-kvlist", {"attributes": [{"key": "k", "value": _deep_kv(100)}]}),
        (
            "array-of-nul",
            {
                "attributes": [
                    {"key": "a", "value": {"arrayValue": {"values": [{"stringValue": "\x00"}]}}}
                ]
            },
        ),
    ):
        add(
            _case(
                f"otlp-span-{name}",
                "POST",
                "/v1/traces",
                _otlp(_otlp_span(**overrides)),
                allowed={200},
            )
        )
    for name, raw in (
        ("not-json", b"{{{"),
        ("json-array", b"[]"),
        ("spans-null", b'{"resourceSpans": null}'),
        ("spans-string", b'{"resourceSpans": "x"}'),
        ("scope-spans-number", b'{"resourceSpans": [{"scopeSpans": 5}]}'),
    ):
        add(_case(f"otlp-json-{name}", "POST", "/v1/traces", raw, allowed={200}))
    good_pb = to_protobuf(request_body(_otlp_span()))
    for name, raw in (
        ("wrong-wire-type-top", _pb_field(1, 0, b"\x05")),
        ("wrong-wire-type-nested", _pb_field(1, 2, bytes([2]) + _pb_field(2, 0, b"\x01"))),
        ("wrong-wire-type-span", _mistyped_span()),
        ("truncated", good_pb[: len(good_pb) // 2]),
        ("random-bytes", bytes(range(256)) * 4),
        ("length-overflow", b"\x0a\xff\xff\xff\xff\x0f"),
        ("varint-overlong", b"\x08" + b"\xff" * 11),
        ("group-wire-type", b"\x0b\x0c"),
        ("only-unknown-field", _pb_field(15, 0, b"\x01")),
        ("json-as-protobuf", _otlp(_otlp_span())),
    ):
        add(_case(f"otlp-pb-{name}", "POST", "/v1/traces", raw, headers={"Content-Type": PROTOBUF}))
    bomb = gzip.compress(b"\x00" * (40 * 1024 * 1024))
    for name, raw, encoding in (
        ("gzip-bomb", bomb, "gzip"),
        ("gzip-invalid", b"not gzip at all", "gzip"),
        ("deflate-invalid", b"\x00\x01\x02", "deflate"),
        ("brotli", good_pb, "br"),
        ("gzip-truncated", gzip.compress(good_pb)[:10], "gzip"),
        ("deflate-ok", zlib.compress(good_pb), "deflate"),
    ):
        headers = {"Content-Type": PROTOBUF, "Content-Encoding": encoding}
        allowed = {200} if name == "deflate-ok" else set()
        add(
            _case(
                f"otlp-{name}",
                "POST",
                "/opentelemetry/v1/traces",
                raw,
                headers=headers,
                allowed=allowed,
            )
        )
    add(
        _case(
            "otlp-unknown-media",
            "POST",
            "/v1/traces",
            good_pb,
            headers={"Content-Type": "application/grpc"},
        )
    )
    add(
        _case(
            "otlp-b64-ids-json",
            "POST",
            "/v1/traces",
            _otlp(
                _otlp_span(
                    traceId=base64.b64encode(b"\x01" * 16).decode(),
                    spanId=base64.b64encode(b"\x02" * 8).decode(),
                )
            ),
            allowed={200},
        )
    )
    return c


def _deep_kv(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"stringValue": "leaf"}
    for _ in range(depth):
        value = {"kvlistValue": {"values": [{"key": "k", "value": value}]}}
    return value


def _mistyped_span() -> bytes:
    """An export whose span's `name` (field 5, a string) arrives as a varint."""
    span_bytes = _pb_field(5, 0, b"\x07")
    scope_spans = _pb_field(2, 2, bytes([len(span_bytes)]) + span_bytes)
    resource_spans = _pb_field(2, 2, bytes([len(scope_spans)]) + scope_spans)
    return _pb_field(1, 2, bytes([len(resource_spans)]) + resource_spans)
