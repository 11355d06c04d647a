"""How values look in the trace browser: times, durations, money, JSON, conversations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

import orjson

from app.domain.trace_view import format_duration

EMPTY: Final[str] = "\u2013"  # an en dash for "no value"
# Input keys that hold a chat transcript ([{role, content}, ...]), in order of preference.
CHAT_KEYS: Final[tuple[str, ...]] = ("chat_history", "messages")
# The JSON buckets of the detail pane, with their headings.
DETAIL_BUCKETS: Final[tuple[tuple[str, str], ...]] = (
    ("inputs", "Inputs"),
    ("outputs", "Outputs"),
    ("config", "Config"),
    ("metadata", "Metadata"),
    ("metrics", "Metrics"),
    ("feedback", "Feedback"),
    ("user_properties", "User properties"),
)


def fmt_time(ms: Any) -> str:
    if not isinstance(ms, int | float) or isinstance(ms, bool):
        return EMPTY
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def fmt_duration(ms: Any) -> str:
    if not isinstance(ms, int | float) or isinstance(ms, bool):
        return EMPTY
    return format_duration(float(ms))


def fmt_cost(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value:
        return EMPTY
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def fmt_count(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value:
        return EMPTY
    return f"{int(value):,}"


def pretty_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


def tokens_of(sums: Mapping[str, Any]) -> float:
    """Total tokens of a rollup: total_tokens, else prompt + completion tokens."""
    total = float(sums.get("total_tokens") or 0)
    if total:
        return total
    return float(sums.get("prompt_tokens") or 0) + float(sums.get("completion_tokens") or 0)


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            str(p.get("text")) if isinstance(p, dict) and "text" in p else pretty_json(p)
            for p in content
        ]
        return "\n".join(parts)
    return "" if content is None else pretty_json(content)


def _message(item: Any) -> dict[str, str] | None:
    if not isinstance(item, dict) or not isinstance(item.get("role"), str):
        return None
    text = _message_text(item.get("content"))
    if not text and item.get("tool_calls") is not None:
        text = pretty_json(item["tool_calls"])
    return {"role": item["role"], "content": text}


def conversation(event: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """The chat transcript in an event's inputs (chat_history or messages, each item an
    object with a string `role`), followed by the reply when outputs hold one; None when
    the inputs hold no transcript."""
    inputs = event.get("inputs") or {}
    for key in CHAT_KEYS:
        items = inputs.get(key) if isinstance(inputs, dict) else None
        if not isinstance(items, list) or not items:
            continue
        messages = [_message(item) for item in items]
        if any(m is None for m in messages):
            continue
        found = [m for m in messages if m is not None]
        reply = _reply(event.get("outputs"))
        if reply is not None:
            found.append(reply)
        return found
    return None


def _reply(outputs: Any) -> dict[str, str] | None:
    if not isinstance(outputs, dict):
        return None
    direct = _message(outputs)
    if direct is not None:
        return direct
    choices = outputs.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return _message(choices[0].get("message"))
    return None
