"""Search filters: the operator/type table, field addressing, and parsing raw filter objects."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal, cast, get_args

from app.domain.records import JSON_BUCKETS, SCALAR_COLUMNS
from app.errors import BadRequest
from app.search.daterange import parse_time_ms
from app.search.values import json_kind, parse_number_text

FilterType = Literal["string", "number", "boolean", "datetime"]
Operator = Literal[
    "exists",
    "not exists",
    "is",
    "is not",
    "contains",
    "not contains",
    "greater than",
    "less than",
    "after",
    "before",
]
FilterValue = str | int | float | bool | None

FILTER_TYPES: Final[tuple[FilterType, ...]] = get_args(FilterType)
OPERATORS: Final[tuple[Operator, ...]] = get_args(Operator)

# THE operator table: which operators each filter type accepts. Everything reads this.
OPERATORS_BY_TYPE: Final[Mapping[FilterType, tuple[Operator, ...]]] = MappingProxyType(
    {
        "string": ("exists", "not exists", "is", "is not", "contains", "not contains"),
        "number": ("exists", "not exists", "is", "is not", "greater than", "less than"),
        "boolean": ("exists", "not exists", "is", "is not"),
        "datetime": ("exists", "not exists", "is", "is not", "after", "before"),
    }
)

# Negative operators are NOT(their positive twin); they also match a missing/null field.
NEGATIONS: Final[Mapping[Operator, Operator]] = MappingProxyType(
    {"not exists": "exists", "is not": "is", "not contains": "contains"}
)
# When `type` is absent, an operator that fits exactly one type decides it.
_TYPE_IMPLIED_BY_OPERATOR: Final[Mapping[str, FilterType]] = MappingProxyType(
    {
        "contains": "string",
        "not contains": "string",
        "greater than": "number",
        "less than": "number",
        "after": "datetime",
        "before": "datetime",
    }
)

FieldKind = Literal["text", "time", "number", "id_list", "json", "absent"]
# Top-level fields and what they hold. JSON buckets take a dotted path (kind "json").
# "absent": a name the lenient export route does not know; no event has it.
COLUMN_KINDS: Final[Mapping[str, FieldKind]] = MappingProxyType(
    {
        **{name: "text" for name in SCALAR_COLUMNS},
        "start_time": "time",
        "end_time": "time",
        "duration": "number",
        "children_ids": "id_list",
    }
)
# Filter types each kind of field accepts (exists / not exists accept any type on any field).
TYPES_BY_FIELD_KIND: Final[Mapping[FieldKind, tuple[FilterType, ...]]] = MappingProxyType(
    {
        "text": ("string",),
        "time": ("number", "datetime"),
        "number": ("number",),
        "id_list": ("string",),
        "json": FILTER_TYPES,
        "absent": FILTER_TYPES,
    }
)

MAX_SEGMENT_LENGTH: Final[int] = 256
MAX_PATH_DEPTH: Final[int] = 32
MAX_STRING_VALUE_LENGTH: Final[int] = 4096
# Integers beyond 64 bits cannot be bound on SQLite; such filter values become floats.
MAX_EXACT_INT: Final[int] = 2**63 - 1
# A path segment of ASCII digits whose value fits in int32 also indexes arrays.
MAX_ARRAY_INDEX: Final[int] = 2**31 - 1
_DIGITS_RE: Final = re.compile(r"[0-9]+")

STRICT_FILTER_KEYS: Final[tuple[str, ...]] = ("field", "operator", "value", "type")


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A resolved filter field: a top-level column (`path == ()`) or a path into a JSON bucket."""

    name: str
    root: str
    kind: FieldKind
    path: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Filter:
    """One validated filter. `value` is already coerced: str for string, int/float for number,
    bool for boolean, int Unix ms for datetime, None for exists / not exists."""

    field: FieldRef
    operator: Operator
    type: FilterType
    value: FilterValue


def array_index(segment: str) -> int | None:
    """The array index a path segment also denotes (ASCII digits, value <= 2**31-1), or None.
    Such a segment matches an array element *and* an object key spelled exactly the same."""
    if _DIGITS_RE.fullmatch(segment) is None:
        return None
    index = int(segment)
    return index if index <= MAX_ARRAY_INDEX else None


def _problem_in_text(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain the NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)"
    return None


class _Invalid(Exception):
    """One problem with one filter; collected and raised as a single BadRequest."""

    def __init__(self, loc: str, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def _fail(details: list[dict[str, str]]) -> BadRequest:
    first = details[0]
    message = f"{first['loc']}: {first['message']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more problem(s))"
    return BadRequest(message, details=list(details))


def _allowed_roots() -> str:
    return ", ".join((*COLUMN_KINDS, *(f"{b}.<path>" for b in JSON_BUCKETS)))


def _parse_field(raw: Any, loc: str, *, strict: bool = True) -> FieldRef:
    if not isinstance(raw, str):
        raise _Invalid(loc, "must be a string such as 'event_name' or 'metadata.cost'")
    problem = _problem_in_text(raw)
    if problem:
        raise _Invalid(loc, f"field {problem}")
    segments = raw.split(".")
    root, path = segments[0], tuple(segments[1:])
    if root in COLUMN_KINDS:
        if path:
            raise _Invalid(loc, f"{root!r} is a top-level field and takes no '.path'")
        return FieldRef(name=raw, root=root, kind=COLUMN_KINDS[root])
    if root not in JSON_BUCKETS:
        if not strict:
            # Export is lenient (the SDK's own examples filter on made-up names): an
            # unknown field is one that no event has.
            return FieldRef(name=raw, root=root, kind="absent", path=path)
        raise _Invalid(loc, f"unknown field {raw!r}; allowed: {_allowed_roots()}")
    if not path:
        raise _Invalid(
            loc, f"{root!r} is a JSON object; name a path inside it, e.g. '{root}.some_key'"
        )
    if len(path) > MAX_PATH_DEPTH:
        raise _Invalid(loc, f"path is deeper than {MAX_PATH_DEPTH} segments")
    for position, segment in enumerate(path, start=1):
        if not segment:
            raise _Invalid(loc, f"path segment {position} of {raw!r} is empty")
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise _Invalid(
                loc, f"path segment {position} is longer than {MAX_SEGMENT_LENGTH} characters"
            )
    return FieldRef(name=raw, root=root, kind="json", path=path)


def parse_field(raw: Any, *, loc: str = "field") -> FieldRef:
    """Resolve a field name (`event_name`, `metadata.a.0.b`, ...); BadRequest if invalid."""
    try:
        return _parse_field(raw, loc)
    except _Invalid as problem:
        raise _fail([{"loc": problem.loc, "message": problem.message}]) from None


def _coerce_string(value: Any, loc: str) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Invalid(loc, f"{value!r} is not a finite number")
        text = repr(value)
    elif isinstance(value, str):
        text = value
    else:
        raise _Invalid(loc, f"cannot use {json_kind(value)} as a string value")
    problem = _problem_in_text(text)
    if problem:
        raise _Invalid(loc, f"value {problem}")
    if len(text) > MAX_STRING_VALUE_LENGTH:
        raise _Invalid(loc, f"string value is longer than {MAX_STRING_VALUE_LENGTH} characters")
    return text


def _coerce_number(value: Any, loc: str) -> int | float:
    number: int | float | None
    if isinstance(value, bool):
        raise _Invalid(loc, "a boolean is not a number")
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        number = parse_number_text(value)
        if number is None:
            raise _Invalid(loc, f"cannot read {value!r} as a number")
    else:
        raise _Invalid(loc, f"cannot use {json_kind(value)} as a number")
    if isinstance(number, float) and not math.isfinite(number):
        raise _Invalid(loc, f"{value!r} is not a finite number")
    if isinstance(number, int) and abs(number) > MAX_EXACT_INT:
        try:
            number = float(number)
        except OverflowError:
            raise _Invalid(loc, "number is out of range") from None
    return number


def _coerce_boolean(value: Any, loc: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _Invalid(loc, f"cannot read {value!r} as a boolean; use true or false")


def _coerce_datetime(value: Any, loc: str) -> int:
    try:
        return parse_time_ms(value, loc=loc)
    except BadRequest as error:
        message = error.details[0]["message"] if error.details else error.message
        raise _Invalid(loc, str(message)) from None


def coerce_value(value: Any, filter_type: FilterType, *, loc: str = "value") -> FilterValue:
    """Coerce a raw JSON `value` to `filter_type` (the SDK sends numbers as strings, ...)."""
    try:
        return _coerce(value, filter_type, loc)
    except _Invalid as problem:
        raise _fail([{"loc": problem.loc, "message": problem.message}]) from None


def _coerce(value: Any, filter_type: FilterType, loc: str) -> FilterValue:
    if filter_type == "string":
        return _coerce_string(value, loc)
    if filter_type == "number":
        return _coerce_number(value, loc)
    if filter_type == "boolean":
        return _coerce_boolean(value, loc)
    return _coerce_datetime(value, loc)


def _infer_type(operator: Operator, field: FieldRef, value: Any) -> FilterType | None:
    implied = _TYPE_IMPLIED_BY_OPERATOR.get(operator)
    if implied is not None:
        return implied
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        # On start_time / end_time a string can only be a timestamp.
        return "datetime" if field.kind == "time" else "string"
    return None


def _parse_one(raw: Any, loc: str, *, strict: bool) -> Filter:
    if not isinstance(raw, dict):
        raise _Invalid(loc, "each filter must be an object {field, operator, value, type}")
    if strict:
        extra = sorted(set(raw) - set(STRICT_FILTER_KEYS))
        if extra:
            raise _Invalid(
                loc,
                f"unknown key(s) {', '.join(map(repr, extra))}; "
                f"allowed: {', '.join(STRICT_FILTER_KEYS)}",
            )
    for key in ("field", "operator"):
        if raw.get(key) is None:
            raise _Invalid(f"{loc}.{key}", f"{key} is required")
    field = _parse_field(raw["field"], f"{loc}.field", strict=strict)

    operator_raw = raw["operator"]
    if operator_raw not in OPERATORS:
        raise _Invalid(
            f"{loc}.operator",
            f"unknown operator {operator_raw!r}; allowed: {', '.join(OPERATORS)}",
        )
    operator = cast(Operator, operator_raw)
    has_value = raw.get("value") is not None
    is_existence = operator in ("exists", "not exists")

    type_raw = raw.get("type")
    filter_type: FilterType | None
    if type_raw is None:
        filter_type = _infer_type(operator, field, raw.get("value"))
        if filter_type is None:
            if is_existence:
                filter_type = "string"
            elif not has_value:
                raise _Invalid(f"{loc}.value", f"value is required for operator {operator!r}")
            else:
                raise _Invalid(
                    f"{loc}.value",
                    f"cannot infer a type from {json_kind(raw.get('value'))}; "
                    f"give type, one of: {', '.join(FILTER_TYPES)}",
                )
    elif type_raw == "id":
        raise _Invalid(
            f"{loc}.type",
            f"type 'id' is not supported; allowed: {', '.join(FILTER_TYPES)}",
        )
    elif type_raw not in FILTER_TYPES:
        raise _Invalid(
            f"{loc}.type", f"unknown type {type_raw!r}; allowed: {', '.join(FILTER_TYPES)}"
        )
    else:
        filter_type = cast(FilterType, type_raw)

    allowed = OPERATORS_BY_TYPE[filter_type]
    if operator not in allowed:
        raise _Invalid(
            f"{loc}.operator",
            f"operator {operator!r} does not apply to type {filter_type!r}; "
            f"allowed for {filter_type}: {', '.join(allowed)}",
        )
    if is_existence:
        return Filter(field=field, operator=operator, type=filter_type, value=None)

    field_types = TYPES_BY_FIELD_KIND[field.kind]
    if filter_type not in field_types:
        raise _Invalid(
            f"{loc}.type",
            f"field {field.name!r} cannot be filtered as {filter_type}; "
            f"allowed types: {', '.join(field_types)}",
        )
    if not has_value:
        raise _Invalid(f"{loc}.value", f"value is required for operator {operator!r}")
    value = _coerce(raw["value"], filter_type, f"{loc}.value")
    return Filter(field=field, operator=operator, type=filter_type, value=value)


def parse_filter(raw: Any, *, strict: bool, loc: str = "filters[0]") -> Filter:
    """Validate one raw filter object (see `parse_filters`)."""
    try:
        return _parse_one(raw, loc, strict=strict)
    except _Invalid as problem:
        raise _fail([{"loc": problem.loc, "message": problem.message}]) from None


def parse_filters(raw: Any, *, strict: bool, loc: str = "filters") -> list[Filter]:
    """Validate a raw `filters` list into Filters (AND-ed by the compiler).

    `strict=True` (search route): a filter object may only have the keys field, operator,
    value, type. `strict=False` (export route): other keys are ignored. None means no filters.
    Every problem is reported at once in one BadRequest, each detail naming `filters[i]`."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _fail([{"loc": loc, "message": "filters must be an array of filter objects"}])
    parsed: list[Filter] = []
    problems: list[dict[str, str]] = []
    for index, item in enumerate(raw):
        try:
            parsed.append(_parse_one(item, f"{loc}[{index}]", strict=strict))
        except _Invalid as problem:
            problems.append({"loc": problem.loc, "message": problem.message})
    if problems:
        raise _fail(problems)
    return parsed


EVALUATION_FIELD: Final[str] = "metadata.run_id"


def evaluation_filter(evaluation_id: Any, *, loc: str = "evaluation_id") -> Filter:
    """The filter `evaluation_id` stands for: `metadata.run_id is <id>` (type string)."""
    if not isinstance(evaluation_id, str) or not evaluation_id:
        raise _fail([{"loc": loc, "message": "evaluation_id must be a non-empty string"}])
    try:
        value = _coerce_string(evaluation_id, loc)
    except _Invalid as problem:
        raise _fail([{"loc": problem.loc, "message": problem.message}]) from None
    return Filter(field=parse_field(EVALUATION_FIELD), operator="is", type="string", value=value)
