"""Search as SQL: validated filters and date windows compiled into WHERE clauses over
`events`, and the page order (Postgres and SQLite)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, assert_never

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TEXT
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.types import NullType

from app.db.dialect import Dialect
from app.db.tables import events
from app.search.casefold import case_variants
from app.search.daterange import DateWindow
from app.search.filters import NEGATIONS, FieldRef, Filter, FilterValue, Operator, array_index
from app.search.query import SearchQuery

# SQLite: a path made only of these segments is read with json_extract('$."seg"...'); such
# labels are never escaped in stored JSON text, so SQLite's raw-label comparison is exact.
_SQLITE_SIMPLE_SEGMENT: Final = re.compile(r"[A-Za-z0-9_-]+")
# Postgres: `#>` reads a segment C's strtol accepts as an integer as an array index (" 1",
# "+1", "-1"...). Those that are not plain digits are object keys only here, read with `->`.
_PG_STRTOL_INT: Final = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")
_DIGITS: Final = re.compile(r"[0-9]+")
_SQLITE_NUMBER_TYPES: Final[tuple[str, str]] = ("integer", "real")
_GLOB_SPECIAL: Final[frozenset[str]] = frozenset("*?[")


# --- bound parameters ---------------------------------------------------------------------------


def _text(value: str) -> ColumnElement[Any]:
    return sa.bindparam(None, value, type_=sa.Text)


def _number(value: int | float) -> ColumnElement[Any]:
    if isinstance(value, int):
        return sa.bindparam(None, value, type_=sa.BigInteger)
    return sa.bindparam(None, value, type_=sa.Float(precision=53))


def _jsonb(value: Any) -> ColumnElement[Any]:
    """A jsonb document bound as JSON text and cast (the cast of valid JSON cannot fail)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return sa.cast(sa.bindparam(None, text, type_=sa.Text), JSONB)


def _pg_text_array(values: Sequence[str]) -> ColumnElement[Any]:
    return sa.bindparam(None, list(values), type_=ARRAY(TEXT))


# --- case-insensitive substring -----------------------------------------------------------------


def _needs_folding(needle: str) -> bool:
    return any(len(case_variants(char)) > 1 for char in needle)


def _pg_regex_char(char: str) -> str:
    if char.isascii() and char.isalnum():
        return char
    return f"\\U{ord(char):08X}"


def postgres_contains_pattern(needle: str) -> str:
    """An ARE regex matching `needle` case-insensitively: each character becomes the class of
    its case variants (code-point escapes, no ranges, so no locale is involved)."""
    parts: list[str] = []
    for char in needle:
        variants = case_variants(char)
        if len(variants) == 1:
            parts.append(_pg_regex_char(char))
        else:
            parts.append("[" + "".join(_pg_regex_char(v) for v in variants) + "]")
    return "".join(parts)


def sqlite_contains_pattern(needle: str) -> str:
    """A GLOB pattern matching any text containing `needle` case-insensitively (classes of
    case variants; `*`, `?`, `[` are bracketed so they are literal; `%`/`_` are not special)."""
    parts: list[str] = ["*"]
    for char in needle:
        variants = case_variants(char)
        if len(variants) > 1:
            parts.append("[" + variants + "]")
        elif char in _GLOB_SPECIAL:
            parts.append("[" + char + "]")
        else:
            parts.append(char)
    parts.append("*")
    return "".join(parts)


def _text_contains(
    text_expr: ColumnElement[Any], needle: str, dialect: Dialect
) -> ColumnElement[bool]:
    if needle == "":
        return text_expr.is_not(None)
    if not _needs_folding(needle):
        match dialect:
            case Dialect.POSTGRES:
                return sa.func.strpos(text_expr, _text(needle)) > 0
            case Dialect.SQLITE:
                return sa.func.instr(text_expr, _text(needle)) > 0
            case _:
                assert_never(dialect)
    match dialect:
        case Dialect.POSTGRES:
            pattern = _text(postgres_contains_pattern(needle))
            return text_expr.op("~", is_comparison=True)(pattern)
        case Dialect.SQLITE:
            pattern = _text(sqlite_contains_pattern(needle))
            return text_expr.op("GLOB", is_comparison=True)(pattern)
        case _:
            assert_never(dialect)


# --- top-level columns --------------------------------------------------------------------------


def _column_predicate(
    field: FieldRef, operator: Operator, value: FilterValue, dialect: Dialect
) -> ColumnElement[bool]:
    column = events.c[field.root]
    if operator == "exists":
        return column.is_not(None) if column.nullable else sa.true()
    if field.kind == "text":
        assert isinstance(value, str)
        if operator == "is":
            return column == _text(value)
        if operator == "contains":
            return _text_contains(column, value, dialect)
    else:
        assert isinstance(value, int | float) and not isinstance(value, bool)
        if operator == "is":
            return column == _number(value)
        if operator in ("greater than", "after"):
            return column > _number(value)
        if operator in ("less than", "before"):
            return column < _number(value)
    raise AssertionError(f"unhandled {operator!r} on {field.name!r}")  # pragma: no cover


def _id_list_predicate(
    operator: Operator, value: FilterValue, dialect: Dialect
) -> ColumnElement[bool]:
    """children_ids: true when some string element of the array satisfies the operator."""
    column = events.c.children_ids
    if dialect is Dialect.POSTGRES:
        source = sa.case((sa.func.jsonb_typeof(column) == "array", column))
        elements = sa.func.jsonb_array_elements(source).table_valued("value")
        element = elements.c.value
        conditions: list[ColumnElement[bool]] = [sa.func.jsonb_typeof(element) == "string"]
        if operator == "is":
            conditions.append(element == _jsonb(value))
        elif operator == "contains":
            assert isinstance(value, str)
            as_text = element.op("#>>")(_pg_text_array([]))
            conditions.append(_text_contains(as_text, value, dialect))
        found = sa.select(sa.literal(1)).select_from(elements).where(*conditions)
        return found.exists()
    source = sa.case((sa.func.json_type(column) == "array", column))
    each = sa.func.json_each(source).table_valued("key", "value", "type")
    conditions = [each.c.type == "text"]
    if operator == "is":
        assert isinstance(value, str)
        conditions.append(each.c.value == _text(value))
    elif operator == "contains":
        assert isinstance(value, str)
        conditions.append(_text_contains(each.c.value, value, dialect))
    return sa.select(sa.literal(1)).select_from(each).where(*conditions).exists()


# --- JSON paths: Postgres -----------------------------------------------------------------------


# Numeric JSON paths with a generated column on Postgres (migrations 0003 and 0007): the
# value when it is a JSON number, else NULL. Range filters on them compare that column.
MATERIALIZED_NUMERIC: Final[Mapping[tuple[str, tuple[str, ...]], str]] = MappingProxyType(
    {
        **{
            ("metadata", (key,)): f"metadata_{key}"
            for key in ("cost", "prompt_tokens", "completion_tokens", "total_tokens")
        },
        ("feedback", ("rating",)): "feedback_rating",
    }
)

# Buckets whose JSON text the `contains` text index covers (migration 0005): one trigram
# index on the first TEXT_INDEX_PREFIX characters of inputs and outputs together, and a
# index that finds the events whose text is longer (each checked one by one).
TRIGRAM_INDEXED_BUCKETS: Final[frozenset[str]] = frozenset({"inputs", "outputs"})
TEXT_INDEX_PREFIX: Final = 2048


def _bucket_text() -> ColumnElement[Any]:
    """coalesce(inputs::text, '') || ' ' || coalesce(outputs::text, ''): the indexed text,
    written as the migration writes it (the planner matches index expressions exactly)."""
    empty = sa.literal_column("''", sa.Text)
    inputs = sa.func.coalesce(sa.cast(events.c.inputs, sa.Text), empty)
    outputs = sa.func.coalesce(sa.cast(events.c.outputs, sa.Text), empty)
    return inputs.op("||", return_type=sa.Text)(sa.literal_column("' '", sa.Text)).op(
        "||", return_type=sa.Text
    )(outputs)


def text_index_prefilter(needle: str) -> ColumnElement[bool]:
    """A condition that every event with a string containing ``needle`` in inputs or outputs
    meets, which the text index answers: the needle is in the indexed prefix of the text, or
    the text is longer than the prefix (those events are checked one by one)."""
    text = _bucket_text()
    bound = sa.literal_column(str(TEXT_INDEX_PREFIX), sa.Integer)
    in_prefix = sa.func.left(text, bound, type_=sa.Text).op("~", is_comparison=True)(
        _text(postgres_contains_pattern(needle))
    )
    longer = sa.func.length(text, type_=sa.Integer) > bound
    return sa.or_(in_prefix, longer)


def _json_text_keeps(needle: str) -> bool:
    """True when Postgres writes every character of ``needle`` as itself in jsonb text
    (it escapes only the quote, the backslash and control characters)."""
    return len(needle) >= 3 and all(c not in '"\\' and ord(c) >= 0x20 for c in needle)


def _pg_key_only(segment: str) -> bool:
    return _PG_STRTOL_INT.fullmatch(segment) is not None and _DIGITS.fullmatch(segment) is None


def _pg_path_value(column: ColumnElement[Any], path: Sequence[str]) -> ColumnElement[Any]:
    """The jsonb at `path` (SQL NULL when missing). Runs of segments go through one `#>` with a
    bound text[]; a segment `#>` would misread as an array index goes through `->` (key only)."""
    value: ColumnElement[Any] = column
    run: list[str] = []
    for segment in path:
        if _pg_key_only(segment):
            if run:
                value = sa.Grouping(value.op("#>", return_type=JSONB)(_pg_text_array(run)))
                run = []
            value = sa.Grouping(value.op("->", return_type=JSONB)(_text(segment)))
        else:
            run.append(segment)
    if run:
        value = sa.Grouping(value.op("#>", return_type=JSONB)(_pg_text_array(run)))
    return value


def _nest(path: Sequence[str], value: Any) -> Any:
    for segment in reversed(path):
        value = {segment: value}
    return value


def _pg_json_predicate(
    field: FieldRef, operator: Operator, value: FilterValue
) -> ColumnElement[bool]:
    column = events.c[field.root]
    if operator == "is" and all(array_index(segment) is None for segment in field.path):
        # Object-only path: containment is exact equality here (and can use a GIN index).
        return column.op("@>", is_comparison=True)(_jsonb(_nest(field.path, value)))
    target = _pg_path_value(column, field.path)
    kind = sa.func.jsonb_typeof(target)
    if operator == "exists":
        return kind != "null"
    if operator == "is":
        return target == _jsonb(value)
    if operator == "contains":
        assert isinstance(value, str)
        as_text = target.op("#>>")(_pg_text_array([]))
        exact = sa.and_(kind == "string", _text_contains(as_text, value, Dialect.POSTGRES))
        if field.root in TRIGRAM_INDEXED_BUCKETS and _json_text_keeps(value):
            # A string containing the needle puts the needle, unescaped, in the bucket's JSON
            # text: this implied condition lets the text index find the candidate rows. It
            # comes second: without the index (`events-api text-index off`) it is checked
            # only on the rows the exact test keeps.
            return sa.and_(exact, text_index_prefilter(value))
        return exact
    comparison = ">" if operator in ("greater than", "after") else "<"
    materialized = MATERIALIZED_NUMERIC.get((field.root, field.path))
    if materialized is not None:
        # The generated column holds the value when it is a JSON number, else NULL: the
        # same test as below, answered from its index.
        number_text = json.dumps(value, allow_nan=False)
        column_value = sa.literal_column(materialized, type_=sa.Numeric)
        bound = sa.cast(sa.bindparam(None, number_text, type_=sa.Text), sa.Numeric)
        return column_value.op(comparison, is_comparison=True)(bound)
    # jsonb orders null < strings < numbers < booleans < arrays < objects (an empty array
    # below null), so "a number beyond the value" is two comparisons: with the value, and
    # with a bound of the number range (stored numbers are 64-bit integers or doubles, all
    # above -1e1000). Written so, rather than as `jsonb_typeof(...) = 'number'`, and with
    # the bound wrapped in IS TRUE (so that Postgres does not pair the two into one range of
    # default selectivity 1/200), the test is estimated as common (1/9), and an unselective
    # range is paged along the time index instead of by sorting every match.
    compared = target.op(comparison, is_comparison=True)(_jsonb(value))
    if comparison == ">":
        within_numbers = target.op("<", is_comparison=True)(_jsonb(False))
    else:
        within_numbers = target.op(">=", is_comparison=True)(sa.cast(_text("-1e1000"), JSONB))
    return sa.and_(compared, within_numbers.is_(sa.true()))


# --- JSON paths: SQLite -------------------------------------------------------------------------


def _sqlite_scalar_predicate(
    kind: ColumnElement[Any], target: ColumnElement[Any], operator: Operator, value: FilterValue
) -> ColumnElement[bool]:
    """`kind` is SQLite's JSON type name of the value ('null', 'true', 'false', 'integer',
    'real', 'text', 'array', 'object'; SQL NULL when missing), `target` its SQL value."""
    if operator == "exists":
        return kind != "null"
    if operator == "contains":
        assert isinstance(value, str)
        return sa.and_(kind == "text", _text_contains(target, value, Dialect.SQLITE))
    if isinstance(value, bool):
        return kind == ("true" if value else "false")
    if isinstance(value, str):
        return sa.and_(kind == "text", target == _text(value))
    assert isinstance(value, int | float)
    is_number = kind.in_(_SQLITE_NUMBER_TYPES)
    if operator == "is":
        return sa.and_(is_number, target == _number(value))
    if operator in ("greater than", "after"):
        return sa.and_(is_number, target > _number(value))
    return sa.and_(is_number, target < _number(value))


def _sqlite_json_predicate(
    field: FieldRef, operator: Operator, value: FilterValue
) -> ColumnElement[bool]:
    column = events.c[field.root]
    if all(_SQLITE_SIMPLE_SEGMENT.fullmatch(s) and array_index(s) is None for s in field.path):
        path = _text("$" + "".join(f'."{segment}"' for segment in field.path))
        kind = sa.func.json_type(column, path, type_=sa.Text)
        target = sa.func.json_extract(column, path, type_=NullType)
        return _sqlite_scalar_predicate(kind, target, operator, value)
    # General path: walk it with json_each, which compares decoded keys (json_extract compares
    # the raw, possibly escaped, label text) and lets a digit segment match an array index or
    # an object key.
    joined: Any = None
    conditions: list[ColumnElement[bool]] = []
    step: Any = None
    for segment in field.path:
        source = (
            column
            if step is None
            else sa.case((step.c.type.in_(("object", "array")), step.c.value))
        )
        step = sa.func.json_each(source).table_valued("key", "value", "type")
        key_matches: ColumnElement[bool] = step.c.key == _text(segment)
        index = array_index(segment)
        if index is not None:
            key_matches = sa.or_(key_matches, step.c.key == _number(index))
        conditions.append(key_matches)
        joined = step if joined is None else sa.join(joined, step, sa.true())
    conditions.append(_sqlite_scalar_predicate(step.c.type, step.c.value, operator, value))
    return sa.select(sa.literal(1)).select_from(joined).where(*conditions).exists()


# --- contains on event_name, from the project's distinct names (Postgres) ------------------------

# A project has few distinct event names. On Postgres a search first lists those of the
# project's events (in the search's date window) that contain the needle, walking the
# (project_id, event_name, ...) index of migration 0007 one distinct name at a time, and then
# selects `event_name IN (those)`, which that index answers (a count reads only the matching
# index entries). With more than LISTED_NAMES_LIMIT names the search uses the plain test
# instead: the walk stops there (about 0.4 ms a step over 40 partitions at 1,000,000 events,
# so up to ~80 ms lost before a scan that costs far more).
LISTED_NAMES_LIMIT: Final = 200


def listed_name_needle(f: Filter) -> str | None:
    """The needle of a `contains` / `not contains` filter on event_name, else None."""
    if f.field.name != "event_name" or f.operator not in ("contains", "not contains"):
        return None
    return f.value if isinstance(f.value, str) and f.value != "" else None


def distinct_names_query(
    project_id: str, needle: str, window: DateWindow | None = None
) -> sa.Select[Any]:
    """Postgres: (name, contains needle) for the distinct names of the project's events in
    ``window``, in order, at most LISTED_NAMES_LIMIT + 1 of them (a skip scan: each step is
    one descent of the index on (project_id, event_name, ...) in each partition the window
    allows)."""
    scope = (events.c.project_id == _text(project_id), compile_date_window(window))
    first = sa.select(
        sa.select(sa.func.min(events.c.event_name)).where(*scope).scalar_subquery().label("name")
    )
    names = first.cte("event_names", recursive=True)
    following = (
        sa.select(sa.func.min(events.c.event_name))
        .where(*scope, events.c.event_name > names.c.name)
        .scalar_subquery()
    )
    names = names.union_all(sa.select(following).where(names.c.name.is_not(None)))
    matches = _text_contains(names.c.name, needle, Dialect.POSTGRES)
    return (
        sa.select(names.c.name, matches)
        .where(names.c.name.is_not(None))
        .limit(LISTED_NAMES_LIMIT + 1)
    )


# --- public API ---------------------------------------------------------------------------------


def _positive(f: Filter, operator: Operator, dialect: Dialect) -> ColumnElement[bool]:
    field = f.field
    if field.kind == "absent":
        return sa.false()
    if field.kind == "json":
        if dialect is Dialect.POSTGRES:
            return _pg_json_predicate(field, operator, f.value)
        return _sqlite_json_predicate(field, operator, f.value)
    if field.kind == "id_list":
        return _id_list_predicate(operator, f.value, dialect)
    return _column_predicate(field, operator, f.value, dialect)


def _listed_positive(names: Sequence[str]) -> ColumnElement[bool]:
    """event_name is one of ``names`` (the project's names that contain the needle)."""
    if not names:
        return sa.false()
    return events.c.event_name.in_([_text(name) for name in names])


def compile_filter(
    f: Filter, dialect: Dialect, names: Sequence[str] | None = None
) -> ColumnElement[bool]:
    """One filter as a boolean SQL expression that is never NULL for negative operators
    (`is not`, `not contains`, `not exists` = NOT(positive), so they match missing fields).
    ``names``: for a filter of :func:`listed_name_needle`, the project's event names that
    contain its needle (read in the same snapshot), which replace the substring test."""
    positive = NEGATIONS.get(f.operator)
    if names is not None and listed_name_needle(f) is not None:
        found = _listed_positive(names)
        return found if positive is None else sa.not_(found)
    if positive is None:
        return _positive(f, f.operator, dialect)
    return sa.not_(sa.func.coalesce(_positive(f, positive, dialect), sa.false()))


def compile_filters(
    filters: Sequence[Filter],
    dialect: Dialect,
    listed: Mapping[str, Sequence[str]] | None = None,
) -> ColumnElement[bool]:
    """The AND of all filters over `app.db.tables.events` (TRUE when there are none).
    All user data (values, JSON path segments) is bound as parameters. ``listed`` maps the
    needle of an event_name `contains` to the project's names that contain it."""
    clauses: list[ColumnElement[bool]] = []
    for f in filters:
        needle = listed_name_needle(f)
        names = None if needle is None or listed is None else listed.get(needle)
        clauses.append(compile_filter(f, dialect, names))
    if not clauses:
        return sa.true()
    return sa.and_(*clauses)


def compile_date_window(window: DateWindow | None) -> ColumnElement[bool]:
    """Inclusive bounds on `events.start_time` (TRUE when unbounded)."""
    clauses: list[ColumnElement[bool]] = []
    if window is not None and window.start_ms is not None:
        clauses.append(events.c.start_time >= _number(window.start_ms))
    if window is not None and window.end_ms is not None:
        clauses.append(events.c.start_time <= _number(window.end_ms))
    return sa.and_(*clauses) if clauses else sa.true()


def search_order_by(dialect: Dialect) -> tuple[UnaryExpression[Any], ...]:
    """ORDER BY start_time DESC, event_id DESC, with event_id compared by code point on both
    backends (COLLATE "C" on Postgres, whose default collation may order differently)."""
    event_id: ColumnElement[Any] = events.c.event_id
    if dialect is Dialect.POSTGRES:
        event_id = event_id.collate("C")
    return (events.c.start_time.desc(), event_id.desc())


def search_where(
    query: SearchQuery, dialect: Dialect, listed: Mapping[str, Sequence[str]] | None = None
) -> ColumnElement[bool]:
    """The filters and the date window of a search, ANDed (``listed``: see
    :func:`compile_filters`)."""
    return sa.and_(
        compile_filters(query.filters, dialect, listed), compile_date_window(query.window)
    )
