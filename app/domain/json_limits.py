"""Limits every accepted JSON document obeys: nesting depth and no NUL characters."""

from __future__ import annotations

from typing import Any, Final

MAX_DEPTH: Final[int] = 64
_CONTAINERS: Final = (dict, list)
INT64_MIN: Final[int] = -(2**63)
INT64_MAX: Final[int] = 2**63 - 1


class JsonLimitError(ValueError):
    """A document breaks a limit; ``path`` names where (``events[2].metadata.k``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or '$'}: {problem}")
        self.path = path or "$"
        self.problem = problem


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _shallow(value: Any, levels_left: int) -> bool:
    """True when no object/array inside the object/array ``value`` (which may nest
    ``levels_left`` levels, itself included) nests deeper: the depth limit without paths."""
    if levels_left == 0:
        return False
    for item in value.values() if type(value) is dict else value:
        if isinstance(item, _CONTAINERS) and not _shallow(item, levels_left - 1):
            return False
    return True


def _plain(value: Any, levels_left: int) -> bool:
    """True when ``value`` is certainly within every limit (depth, NUL, int64) and holds
    only JSON types; False when it may not be (then the exact checks say where)."""
    kind = type(value)
    if kind is str:
        return "\x00" not in value
    if kind is int:
        return bool(INT64_MIN <= value <= INT64_MAX)
    if kind is float or kind is bool or value is None:
        return True
    if levels_left == 0:
        return False
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or "\x00" in key or not _plain(item, levels_left - 1):
                return False
        return True
    if kind is list:
        return all(_plain(item, levels_left - 1) for item in value)
    return False


def within_limits(document: Any) -> bool:
    """A fast check that finds no fault in ``document``: depth, NUL characters (keys and
    strings) and integers outside int64 are all within the limits. False means "maybe
    not": :func:`check_json_limits` and :func:`int64_problem` then say where."""
    return _plain(document, MAX_DEPTH)


def check_json_limits(document: Any, *, check_nul: bool = True, path: str = "") -> None:
    """Raise :class:`JsonLimitError` if ``document`` nests deeper than MAX_DEPTH
    objects/arrays, or (with ``check_nul``) has a U+0000 in a string or a key."""
    if not check_nul and (not isinstance(document, _CONTAINERS) or _shallow(document, MAX_DEPTH)):
        return  # the common case, without building the path of every object
    stack: list[tuple[Any, int, str]] = [(document, 1, path)]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise JsonLimitError(where, f"nested deeper than {MAX_DEPTH} levels")
            for key, item in value.items():
                if check_nul and "\x00" in key:
                    raise JsonLimitError(where, "an object key contains the NUL character \\u0000")
                if isinstance(item, dict | list):
                    stack.append((item, depth + 1, _join(where, key)))
                elif check_nul and isinstance(item, str) and "\x00" in item:
                    raise JsonLimitError(_join(where, key), "contains the NUL character \\u0000")
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise JsonLimitError(where, f"nested deeper than {MAX_DEPTH} levels")
            for index, item in enumerate(value):
                if isinstance(item, dict | list):
                    stack.append((item, depth + 1, _join(where, index)))
                elif check_nul and isinstance(item, str) and "\x00" in item:
                    raise JsonLimitError(_join(where, index), "contains the NUL character \\u0000")
        elif check_nul and isinstance(value, str) and "\x00" in value:
            raise JsonLimitError(where, "contains the NUL character \\u0000")


def int64_problem(document: Any, *, path: str = "") -> str | None:
    """Where ``document`` holds an integer outside the signed 64-bit range (OTLP's intValue
    is an int64; neither database nor the JSON encoder can keep a bigger one), or None."""
    stack: list[tuple[Any, str]] = [(document, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, _join(where, key)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, _join(where, index)) for index, item in enumerate(value))
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not INT64_MIN <= value <= INT64_MAX
        ):
            return f"{where or '$'}: integer {value} is outside the signed 64-bit range"
    return None
