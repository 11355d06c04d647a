"""Reading JSON values as the filter language sees them: numbers written as text, and how an
error message names a value's JSON type."""

from __future__ import annotations

import re
from typing import Any, Final

_NUMBER_RE: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT_RE: Final = re.compile(r"[+-]?[0-9]+")


def parse_number_text(text: str) -> int | float | None:
    """A decimal number written as text ("5", "-0.1", "1e3") -> int or float; None if the text
    is not such a number (surrounding whitespace allowed; no nan/inf, no hex, at most 64 chars)."""
    text = text.strip()
    if len(text) > 64 or not _NUMBER_RE.fullmatch(text):
        return None
    return int(text) if _INT_RE.fullmatch(text) else float(text)


def json_kind(value: Any) -> str:
    """How an error message names the JSON type of ``value`` ("a number", "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
