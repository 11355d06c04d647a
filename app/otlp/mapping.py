"""Span -> event mapping: the one attribute rule table and the code that applies it."""

from __future__ import annotations

import copy
import functools
import hashlib
import math
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from app.domain.json_limits import (
    MAX_DEPTH,
    JsonLimitError,
    check_json_limits,
    int64_problem,
    within_limits,
)
from app.domain.records import JSON_BUCKETS, SPAN_EVENT_TYPES, EventRecord
from app.otlp.decode import Span

# Namespace of the deterministic event ids minted for spans (uuid5 of "<traceId>:<spanId>").
SPAN_EVENT_NAMESPACE: Final[uuid.UUID] = uuid.UUID("ace1ea92-9680-4672-b519-ecc1a36bc3f7")
_NAMESPACE_BYTES: Final[bytes] = SPAN_EVENT_NAMESPACE.bytes

# The ids are String(256) columns.
MAX_ID_LENGTH: Final[int] = 256

# Pseudo attribute standing for the request's X-Source header in the rule table.
X_SOURCE_HEADER: Final[str] = "(X-Source header)"

# Unmapped attributes are kept in metadata under their own key; one whose key is already
# taken there with another value goes into this metadata object instead.
OVERFLOW_KEY: Final[str] = "otel_attributes"

# Top-level targets that are event fields or mapping controls rather than JSON buckets.
SCALAR_TARGETS: Final[frozenset[str]] = frozenset(
    {
        "session_id",
        "event_id",
        "parent_id",
        "event_type",
        "event_name",
        "source",
        "error",
        "duration",
        "session_auto_create",
        "session_name",
    }
)

_GENAI_OPERATION_TYPES: Final[dict[str, str]] = {
    "chat": "model",
    "text_completion": "model",
    "generate_content": "model",
    "embeddings": "model",
    "invoke_agent": "chain",
    "create_agent": "chain",
    "invoke_workflow": "chain",
    "execute_tool": "tool",
    "retrieval": "tool",
}
_OPENINFERENCE_KIND_TYPES: Final[dict[str, str]] = {
    "LLM": "model",
    "CHAIN": "chain",
    "AGENT": "chain",
    "TOOL": "tool",
    "RETRIEVER": "tool",
    "EMBEDDING": "tool",
    "RERANKER": "tool",
    "GUARDRAIL": "tool",
}
_TRACE_ID = re.compile(r"[0-9a-f]{32}")
_SPAN_ID = re.compile(r"[0-9a-f]{16}")


# --------------------------------------------------------------------------- converters
# A converter turns an attribute value into the target's value, or returns None to decline
# it (the attribute then counts as unmapped unless another rule takes it).


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _error_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _event_type(value: Any) -> str | None:
    name = str(value).strip().lower()
    return name if name in SPAN_EVENT_TYPES else None


def _genai_event_type(value: Any) -> str | None:
    return _GENAI_OPERATION_TYPES.get(str(value).strip().lower())


def _openinference_event_type(value: Any) -> str | None:
    return _OPENINFERENCE_KIND_TYPES.get(str(value).strip().upper())


def _milliseconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _json_array(value: Any) -> list[Any] | None:
    """Message lists that GenAI semconv sends as one JSON-encoded attribute."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, list) else None
    return None


def _drop_message_level(rest: list[str]) -> list[str]:
    """OpenInference nests each message one level deeper: ``<i>.message.role``."""
    if len(rest) >= 2 and rest[1] == "message":
        return [rest[0], *rest[2:]]
    return rest


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True, slots=True)
class AttributeRule:
    """One row of the mapping table.

    ``attribute`` is an exact attribute key, or a prefix ending in ``.``. A prefix rule
    matches ``<prefix><rest>`` and the bare prefix name; ``rest`` is split on dots and
    un-flattened under ``target``. ``target`` is an event field / control (see
    SCALAR_TARGETS) or a dotted path into a JSON bucket. For the same target the first
    rule (table order) that yields a value wins; a later, different value is not lost but
    kept in metadata under its attribute key.
    """

    attribute: str
    target: str
    convert: Callable[[Any], Any] | None = None
    rekey: Callable[[list[str]], list[str]] | None = None

    @property
    def is_prefix(self) -> bool:
        return self.attribute.endswith(".")

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.target.split("."))


RULES: Final[tuple[AttributeRule, ...]] = (
    # Identity and event fields.
    AttributeRule("honeyhive.session_id", "session_id", _text),
    AttributeRule("traceloop.association.properties.session_id", "session_id", _text),
    AttributeRule("honeyhive_session_id", "session_id", _text),
    AttributeRule("honeyhive_event_id", "event_id", _text),
    AttributeRule("honeyhive.parent_id", "parent_id", _text),
    AttributeRule("traceloop.association.properties.parent_id", "parent_id", _text),
    AttributeRule("honeyhive_event_type", "event_type", _event_type),
    AttributeRule("honeyhive.event_type", "event_type", _event_type),
    AttributeRule("gen_ai.operation.name", "event_type", _genai_event_type),
    AttributeRule("openinference.span.kind", "event_type", _openinference_event_type),
    AttributeRule("honeyhive_event_name", "event_name", _text),
    AttributeRule("honeyhive.event_name", "event_name", _text),
    AttributeRule("honeyhive.source", "source", _text),
    AttributeRule("honeyhive_source", "source", _text),
    AttributeRule(X_SOURCE_HEADER, "source", _text),
    AttributeRule("traceloop.association.properties.source", "source", _text),
    AttributeRule("honeyhive_error", "error", _error_text),
    AttributeRule("honeyhive_error_type", "metadata.error_type"),
    AttributeRule("honeyhive_duration_ms", "duration", _milliseconds),
    # Session auto-creation (skip_backend_session_creation=True).
    AttributeRule("honeyhive.session_auto_create", "session_auto_create", _flag),
    AttributeRule("honeyhive.session_name", "session_name", _text),
    AttributeRule("honeyhive_session_name", "session_name", _text),
    AttributeRule("baggage.session_name", "session_name", _text),
    # HoneyHive buckets, un-flattened.
    AttributeRule("honeyhive_inputs.", "inputs"),
    AttributeRule("honeyhive_outputs.", "outputs"),
    AttributeRule("honeyhive_config.", "config"),
    AttributeRule("honeyhive_span_config.", "config"),
    AttributeRule("honeyhive_metadata.", "metadata"),
    AttributeRule("honeyhive_metrics.", "metrics"),
    AttributeRule("honeyhive_feedback.", "feedback"),
    AttributeRule("honeyhive_user_properties.", "user_properties"),
    AttributeRule("honeyhive_user_id", "user_properties.user_id"),
    # Context kept in metadata.
    AttributeRule("honeyhive.project", "metadata.project"),
    AttributeRule("honeyhive_project", "metadata.project"),
    AttributeRule("traceloop.association.properties.project", "metadata.project"),
    AttributeRule("honeyhive.experiment_id", "metadata.experiment_id"),
    AttributeRule("honeyhive.experiment_name", "metadata.experiment_name"),
    AttributeRule("honeyhive.experiment_variant", "metadata.experiment_variant"),
    AttributeRule("honeyhive.experiment_group", "metadata.experiment_group"),
    AttributeRule("honeyhive.experiment_metadata.", "metadata.experiment_metadata"),
    AttributeRule("baggage.", "metadata.baggage"),
    # GenAI semantic conventions, OpenInference and Traceloop (OpenLLMetry).
    AttributeRule("gen_ai.request.", "config"),
    AttributeRule("llm.request.model", "config.model"),
    AttributeRule("llm.model_name", "config.model"),
    AttributeRule("gen_ai.provider.name", "config.provider"),
    AttributeRule("gen_ai.system", "config.provider"),
    AttributeRule("llm.provider", "config.provider"),
    AttributeRule("llm.system", "config.provider"),
    AttributeRule("gen_ai.response.model", "metadata.model_name"),
    AttributeRule("llm.response.model", "metadata.model_name"),
    AttributeRule("llm.model_name", "metadata.model_name"),
    AttributeRule("gen_ai.response.model", "metadata.response_model"),
    AttributeRule("gen_ai.response.id", "metadata.response_id"),
    AttributeRule("gen_ai.response.finish_reasons", "metadata.finish_reasons"),
    AttributeRule("gen_ai.usage.prompt_tokens", "metadata.prompt_tokens", _count),
    AttributeRule("gen_ai.usage.input_tokens", "metadata.prompt_tokens", _count),
    AttributeRule("llm.token_count.prompt", "metadata.prompt_tokens", _count),
    AttributeRule("llm.usage.prompt_tokens", "metadata.prompt_tokens", _count),
    AttributeRule("gen_ai.usage.completion_tokens", "metadata.completion_tokens", _count),
    AttributeRule("gen_ai.usage.output_tokens", "metadata.completion_tokens", _count),
    AttributeRule("llm.token_count.completion", "metadata.completion_tokens", _count),
    AttributeRule("llm.usage.completion_tokens", "metadata.completion_tokens", _count),
    AttributeRule("gen_ai.usage.total_tokens", "metadata.total_tokens", _count),
    AttributeRule("llm.token_count.total", "metadata.total_tokens", _count),
    AttributeRule("llm.usage.total_tokens", "metadata.total_tokens", _count),
    AttributeRule("gen_ai.operation.name", "metadata.operation_name"),
    AttributeRule("openinference.span.kind", "metadata.span_kind"),
    AttributeRule("traceloop.span.kind", "metadata.span_kind"),
    AttributeRule("llm.request.type", "metadata.request_type"),
    AttributeRule("gen_ai.agent.name", "metadata.agent_name"),
    AttributeRule("gen_ai.agent.id", "metadata.agent_id"),
    AttributeRule("gen_ai.tool.name", "metadata.tool_name"),
    AttributeRule("gen_ai.tool.call.id", "metadata.tool_call_id"),
    AttributeRule("gen_ai.conversation.id", "metadata.conversation_id"),
    AttributeRule("session.id", "metadata.session_id"),
    AttributeRule("user.id", "metadata.user_id"),
    # Prompt and completion messages.
    AttributeRule("gen_ai.prompt.", "inputs.chat_history"),
    AttributeRule("llm.input_messages.", "inputs.chat_history", rekey=_drop_message_level),
    AttributeRule("gen_ai.input.messages", "inputs.chat_history", _json_array),
    AttributeRule("gen_ai.completion.", "outputs.chat_history"),
    AttributeRule("llm.output_messages.", "outputs.chat_history", rekey=_drop_message_level),
    AttributeRule("gen_ai.output.messages", "outputs.chat_history", _json_array),
)


def _index_rules() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[tuple[int, str], ...]]]:
    """AttributeRule positions by exact attribute key, and prefix rules by the prefix's first
    dotted segment, so each attribute finds its rules with two dict lookups."""
    exact: dict[str, tuple[int, ...]] = {}
    prefixes: dict[str, tuple[tuple[int, str], ...]] = {}
    for index, rule in enumerate(RULES):
        if rule.is_prefix:
            head = rule.attribute.partition(".")[0]
            prefixes[head] = (*prefixes.get(head, ()), (index, rule.attribute))
        else:
            exact[rule.attribute] = (*exact.get(rule.attribute, ()), index)
    return exact, prefixes


_EXACT_RULES, _PREFIX_RULES = _index_rules()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class MappingResult:
    """Events (one per accepted span, in span order), session events to create if absent
    (one per auto-created session id, in first-seen order), and the rejected spans as
    ``(span index, reason)`` sorted by index."""

    events: list[EventRecord] = field(default_factory=list)
    sessions: list[EventRecord] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


@functools.lru_cache(maxsize=8192)
def span_event_id(trace_id: str, span_id: str) -> str:
    """The event id minted for a span: stable across batches, exports and servers. It is
    ``uuid.uuid5(SPAN_EVENT_NAMESPACE, "<traceId>:<spanId>")``, written out here because a
    batch needs it for every span and its parent (cached: linking asks again)."""
    name = f"{trace_id}:{span_id}".encode()
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Rejected(Exception):
    """A span that cannot become an event; the message is the reason."""


@dataclass(slots=True)
class _Draft:
    index: int
    span: Span
    tree: dict[str, Any]
    origin: dict[str, str]  # scalar target -> attribute key that supplied it
    session_id: str
    event_id: str


# --------------------------------------------------------------------------- mapping


def map_spans(
    spans: Sequence[Span], *, project_id: str, header_source: str | None
) -> MappingResult:
    """Map decoded spans to event records (docs/otlp.md).

    ``header_source`` is the request's X-Source header, used for ``source`` when the
    span has no ``honeyhive.source``. Pure: same input, same output (ids included).
    """
    rejected: list[tuple[int, str]] = []
    drafts: list[_Draft] = []
    for index, span in enumerate(spans):
        try:
            drafts.append(_draft(index, span, header_source))
        except _Rejected as exc:
            rejected.append((index, str(exc)))

    batch_ids = {(d.span.trace_id, d.span.span_id): d.event_id for d in drafts}
    events: list[EventRecord] = []
    sessions: dict[str, EventRecord] = {}
    for draft in drafts:
        record = _record(draft, project_id, batch_ids)
        problem = _limits_problem(record)
        if problem is not None:
            rejected.append((draft.index, problem))
            continue
        events.append(record)
        if draft.tree.get("session_auto_create"):
            _note_session(sessions, draft, record)
    for record in events:
        session = sessions.get(record["session_id"])
        if session is not None:
            session["start_time"] = min(session["start_time"], record["start_time"])
    rejected.sort(key=lambda item: item[0])
    return MappingResult(events=events, sessions=list(sessions.values()), rejected=rejected)


def _draft(index: int, span: Span, header_source: str | None) -> _Draft:
    if not _TRACE_ID.fullmatch(span.trace_id) or span.trace_id == "0" * 32:
        raise _Rejected("invalid traceId: it must be 16 bytes and not all zero")
    if not _SPAN_ID.fullmatch(span.span_id) or span.span_id == "0" * 16:
        raise _Rejected("invalid spanId: it must be 8 bytes and not all zero")
    tree, origin = _apply_rules(span.attributes, header_source)
    session_id = tree.get("session_id")
    if not isinstance(session_id, str):
        raise _Rejected(
            "span has no session id (honeyhive.session_id or "
            "traceloop.association.properties.session_id)"
        )
    for name in ("session_id", "event_id", "parent_id"):
        value = tree.get(name)
        if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
            raise _Rejected(f"{name} is longer than {MAX_ID_LENGTH} characters")
    event_id = tree.get("event_id")
    if not isinstance(event_id, str):
        event_id = span_event_id(span.trace_id, span.span_id)
    return _Draft(index, span, tree, origin, session_id, event_id)


# One step of a span's rule plan: the rule, the attribute key it takes, and the target path.
_Step = tuple[AttributeRule, str, tuple[str, ...]]


@functools.lru_cache(maxsize=1024)
def _plan(keys: tuple[str, ...]) -> tuple[_Step, ...]:
    """The rules that apply to attributes with these keys (in attribute order), in the order
    the table gives them (ties: attribute order). Spans of one exporter repeat the same keys,
    so the plan of a key list is worked out once."""
    matches: list[tuple[int, int, str, list[str]]] = []
    for position, key in enumerate(keys):
        for rule_index in _EXACT_RULES.get(key, ()):
            matches.append((rule_index, position, key, []))
        for rule_index, prefix in _PREFIX_RULES.get(key.partition(".")[0], ()):
            if key.startswith(prefix):
                matches.append((rule_index, position, key, key[len(prefix) :].split(".")))
            elif key == prefix[:-1]:
                matches.append((rule_index, position, key, []))
    matches.sort(key=lambda match: (match[0], match[1]))
    steps: list[_Step] = []
    for rule_index, _, key, rest in matches:
        rule = RULES[rule_index]
        if rule.rekey is not None:
            rest = rule.rekey(rest)
        path = (*rule.path, *rest)
        if len(path) > MAX_DEPTH:
            continue  # too deep to un-flatten: kept flat in metadata instead
        steps.append((rule, key, path))
    return tuple(steps)


def _apply_rules(
    attributes: dict[str, Any], header_source: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Run the rule table over one span's attributes.

    Returns the target tree (scalar targets at the top, buckets as nested objects) and,
    for each scalar target, the attribute key that supplied it.
    """
    values = dict(attributes)
    if header_source:
        values[X_SOURCE_HEADER] = header_source
    tree: dict[str, Any] = {}
    origin: dict[str, str] = {}
    taken: set[str] = set()
    for rule, key, path in _plan(tuple(key for key, value in values.items() if value is not None)):
        value = values[key]
        if rule.convert is not None:
            value = rule.convert(value)
            if value is None:
                continue
        if len(path) == 1 and path[0] in JSON_BUCKETS and not isinstance(value, dict):
            path = (*path, "value")  # a bucket given as a bare value, e.g. outputs = "text"
        if path[0] in SCALAR_TARGETS and path[0] not in tree:
            origin[path[0]] = key
        if _place(tree, path, value):
            taken.add(key)

    for key, value in attributes.items():
        if value is None or key in taken:
            continue
        if not _place(tree, ("metadata", key), value):
            _place(tree, ("metadata", OVERFLOW_KEY, key), value)
    return tree, origin


_MISSING: Final[object] = object()


def _place(node: dict[str, Any], path: Sequence[str], value: Any) -> bool:
    """Put ``value`` at ``path``, merging objects. True when the value is now there
    (placed, or an equal value already was); False on a clash with a different value."""
    *parents, leaf = path
    for key in parents:
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        elif not isinstance(child, dict):
            return False
        node = child
    existing = node.get(leaf, _MISSING)
    if existing is _MISSING:
        node[leaf] = copy.deepcopy(value) if isinstance(value, dict | list) else value
        return True
    if isinstance(existing, dict) and isinstance(value, dict):
        results = [_place(existing, [key], item) for key, item in value.items()]
        return all(results)
    return type(existing) is type(value) and bool(existing == value)


def _arrays(value: Any) -> Any:
    """Turn every object whose keys are exactly "0".."n-1" into a list, bottom-up."""
    if isinstance(value, list):
        return [_arrays(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted = {
        key: _arrays(item) if isinstance(item, dict | list) else item for key, item in value.items()
    }
    if "0" in converted and all(str(i) in converted for i in range(len(converted))):
        return [converted[str(i)] for i in range(len(converted))]
    return converted


def _bucket(tree: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = tree.get(name)
    if not value:
        return None
    result = _arrays(value)
    if isinstance(result, list):
        return {"value": result}  # the bucket itself was a flattened list
    return dict(result)


def _record(draft: _Draft, project_id: str, batch_ids: dict[tuple[str, str], str]) -> EventRecord:
    span, tree = draft.span, draft.tree
    metadata: dict[str, Any] = tree.setdefault("metadata", {})
    explicit_parent = tree.get("parent_id")
    if span.parent_span_id:
        # The span's own parent is authoritative; baggage parent ids are stamped on every
        # span of a context, so applying them to non-root spans would flatten the tree.
        parent_id = batch_ids.get((span.trace_id, span.parent_span_id)) or span_event_id(
            span.trace_id, span.parent_span_id
        )
        if isinstance(explicit_parent, str) and explicit_parent != parent_id:
            metadata.setdefault(draft.origin.get("parent_id", "parent_id"), explicit_parent)
    elif isinstance(explicit_parent, str):
        parent_id = explicit_parent
    else:
        parent_id = draft.session_id

    _derive_metadata(tree, span)
    error = tree.get("error")
    if error is None and span.status_code == "ERROR":
        error = span.status_message or _exception_message(span) or "span status is ERROR"
    duration = tree.get("duration")
    end_ms: int | None = None
    if span.end_time_unix_nano:
        end_ms = span.end_time_unix_nano // 1_000_000
        if duration is None:
            duration = (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6
    record: EventRecord = {
        "project_id": project_id,
        "event_id": draft.event_id,
        "session_id": draft.session_id,
        "parent_id": parent_id,
        "event_type": tree.get("event_type") or "tool",
        "event_name": tree.get("event_name") or span.name or "unknown",
        "source": tree.get("source") or "unknown",
        "config": _bucket(tree, "config"),
        "inputs": _bucket(tree, "inputs"),
        "outputs": _bucket(tree, "outputs"),
        "metadata": _bucket(tree, "metadata"),
        "feedback": _bucket(tree, "feedback"),
        "metrics": _bucket(tree, "metrics"),
        "user_properties": _bucket(tree, "user_properties"),
        "children_ids": None,
        "error": error,
        "start_time": span.start_time_unix_nano // 1_000_000,
        "end_time": end_ms,
        "duration": duration,
    }
    return record


def _derive_metadata(tree: dict[str, Any], span: Span) -> None:
    """Values computed from others: token total, model name, OTLP lineage, span events."""
    metadata: dict[str, Any] = tree.setdefault("metadata", {})
    counts = [metadata.get("prompt_tokens"), metadata.get("completion_tokens")]
    present = [count for count in counts if isinstance(count, int) and not isinstance(count, bool)]
    if "total_tokens" not in metadata and present:
        metadata["total_tokens"] = sum(present)
    config = tree.get("config")
    if (
        tree.get("event_type") == "model"
        and "model_name" not in metadata
        and isinstance(config, dict)
        and isinstance(config.get("model"), str)
    ):
        metadata["model_name"] = config["model"]
    metadata.setdefault("trace_id", span.trace_id)
    metadata.setdefault("span_id", span.span_id)
    if span.parent_span_id:
        metadata.setdefault("parent_span_id", span.parent_span_id)
    if span.events:
        metadata.setdefault(
            "span_events",
            [
                {
                    "name": event.name,
                    "time": event.time_unix_nano // 1_000_000,
                    "attributes": copy.deepcopy(event.attributes),
                }
                for event in span.events
            ],
        )


def _exception_message(span: Span) -> str | None:
    """``<type>: <message>`` of the span's last ``exception`` event."""
    for event in reversed(span.events):
        if event.name != "exception":
            continue
        kind = event.attributes.get("exception.type")
        message = event.attributes.get("exception.message")
        parts = [str(part) for part in (kind, message) if part not in (None, "")]
        if parts:
            return ": ".join(parts)
    return None


def _limits_problem(record: EventRecord) -> str | None:
    """Why the record cannot be stored (NUL characters, nesting too deep), or None."""
    fields: dict[str, Any] = dict(record)
    for name in ("event_id", "session_id", "parent_id", "event_name", "source", "error"):
        value = fields[name]
        if isinstance(value, str) and "\x00" in value:
            return f"{name} contains the NUL character \\u0000"
    if all(within_limits(fields[name]) for name in JSON_BUCKETS):
        return None
    for name in JSON_BUCKETS:
        try:
            check_json_limits(fields[name], path=name)
        except JsonLimitError as exc:
            return str(exc)
        beyond = int64_problem(fields[name], path=name)
        if beyond is not None:
            return beyond
    return None


def _note_session(sessions: dict[str, EventRecord], draft: _Draft, record: EventRecord) -> None:
    """Fold an auto-create span into the session event to create for its session id."""
    session_id = record["session_id"]
    name = draft.tree.get("session_name")
    existing = sessions.get(session_id)
    if existing is not None:
        if existing["event_name"] == "unknown" and isinstance(name, str) and "\x00" not in name:
            existing["event_name"] = name
        return
    session: EventRecord = {
        "project_id": record["project_id"],
        "event_id": session_id,
        "session_id": session_id,
        "parent_id": None,
        "event_type": "session",
        "event_name": name if isinstance(name, str) and "\x00" not in name else "unknown",
        "source": record["source"],
        "config": None,
        "inputs": None,
        "outputs": None,
        "metadata": None,
        "feedback": None,
        "metrics": None,
        "user_properties": None,
        "children_ids": None,
        "error": None,
        "start_time": record["start_time"],
        "end_time": None,
        "duration": None,
    }
    sessions[session_id] = session
