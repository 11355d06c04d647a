"""The SQL the filter compiler emits, rendered without a database: binding and patterns."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.db.dialect import Dialect
from app.db.tables import events
from app.repository.search_sql import (
    compile_date_window,
    compile_filters,
    postgres_contains_pattern,
    search_order_by,
    sqlite_contains_pattern,
)
from app.search.casefold import fold_case
from app.search.daterange import DateWindow
from app.search.filters import parse_filters

DIALECTS: dict[str, Any] = {
    "postgresql": postgresql.asyncpg.dialect(),  # type: ignore[no-untyped-call]
    "sqlite": sqlite.dialect(),
}
HOSTILE = "x'); DROP TABLE events; --"


def render(raw_filters: list[dict[str, Any]], dialect_name: str) -> tuple[str, dict[str, Any]]:
    where = compile_filters(parse_filters(raw_filters, strict=True), Dialect(dialect_name))
    compiled = sa.select(events.c.event_id).where(where).compile(dialect=DIALECTS[dialect_name])
    return str(compiled), dict(compiled.params)


def _flatten(values: Any) -> str:
    return repr(list(values))


@pytest.mark.parametrize("dialect_name", list(DIALECTS))
@pytest.mark.parametrize(
    "raw",
    [
        {"field": f"metadata.{HOSTILE}", "operator": "is", "value": "v"},
        {"field": f"metadata.{HOSTILE}.0", "operator": "exists"},
        {"field": f"metadata.+1.{HOSTILE}", "operator": "greater than", "value": 1},
        {"field": f"inputs.a.{HOSTILE}", "operator": "contains", "value": HOSTILE},
        {"field": "event_name", "operator": "is", "value": HOSTILE},
        {"field": "children_ids", "operator": "contains", "value": HOSTILE},
    ],
)
def test_path_segments_and_values_are_bound_not_inlined(
    dialect_name: str, raw: dict[str, Any]
) -> None:
    sql, params = render([raw], dialect_name)
    assert "DROP" not in sql and "x'" not in sql
    bound = _flatten(params.values())
    assert "DROP TABLE" in bound or "[Dd][Rr][Oo][Pp]" in bound


def test_postgres_uses_containment_on_object_only_paths() -> None:
    sql, params = render([{"field": "metadata.a.b", "operator": "is", "value": 5}], "postgresql")
    assert "events.metadata @> CAST(" in sql
    assert '{"a":{"b":5}}' in params.values()


def test_postgres_falls_back_to_path_equality_when_a_segment_can_index_an_array() -> None:
    sql, params = render([{"field": "metadata.a.0", "operator": "is", "value": 5}], "postgresql")
    assert "@>" not in sql and "#>" in sql
    assert ["a", "0"] in params.values()


def test_postgres_reads_strtol_like_segments_as_keys_only() -> None:
    sql, params = render([{"field": "metadata.a.+1.b", "operator": "exists"}], "postgresql")
    assert re.search(r"#> \$\d+::TEXT\[\]\) -> \$\d+::VARCHAR\) #> \$\d+::TEXT\[\]", sql), sql
    assert ["a"] in params.values() and "+1" in params.values() and ["b"] in params.values()


def test_sqlite_simple_paths_use_json_extract_and_others_json_each() -> None:
    sql, params = render([{"field": "metadata.a.b-c", "operator": "is", "value": "x"}], "sqlite")
    assert "json_extract(events.metadata" in sql and "json_each" not in sql
    assert '$."a"."b-c"' in params.values()
    for field in ("metadata.0", "metadata.é", 'metadata.a"b', "metadata.a b"):
        sql, _ = render([{"field": field, "operator": "exists"}], "sqlite")
        assert "json_each(events.metadata)" in sql, field


@pytest.mark.parametrize("dialect_name", list(DIALECTS))
def test_negations_are_null_safe(dialect_name: str) -> None:
    for operator in ("is not", "not contains", "not exists"):
        raw = {"field": "metadata.a", "operator": operator, "value": "x", "type": "string"}
        sql, _ = render([raw], dialect_name)
        assert "coalesce(" in sql


def test_no_filters_is_true_and_bad_dialect_is_an_error() -> None:
    no_filters = compile_filters([], Dialect.SQLITE).compile(dialect=DIALECTS["sqlite"])
    assert str(no_filters) in ("1", "true")
    with pytest.raises(ValueError, match="unsupported dialect"):
        Dialect.of_name("mysql")


def test_date_window_is_inclusive() -> None:
    clause = compile_date_window(DateWindow(start_ms=1, end_ms=2))
    compiled = clause.compile(dialect=DIALECTS["sqlite"])
    assert ">=" in str(compiled) and "<=" in str(compiled)
    assert sorted(compiled.params.values()) == [1, 2]
    assert str(compile_date_window(None).compile(dialect=DIALECTS["sqlite"])) == "1"
    half = compile_date_window(DateWindow(start_ms=None, end_ms=5)).compile(
        dialect=DIALECTS["sqlite"]
    )
    assert "<=" in str(half) and ">=" not in str(half)


def test_order_is_start_time_then_event_id_by_code_point() -> None:
    pg = sa.select(events.c.event_id).order_by(*search_order_by(Dialect.POSTGRES))
    assert str(pg.compile(dialect=DIALECTS["postgresql"])).endswith(
        'ORDER BY events.start_time DESC, events.event_id COLLATE "C" DESC'
    )
    lite = sa.select(events.c.event_id).order_by(*search_order_by(Dialect.SQLITE))
    assert str(lite.compile(dialect=DIALECTS["sqlite"])).endswith(
        "ORDER BY events.start_time DESC, events.event_id DESC"
    )


# --- contains patterns ------------------------------------------------------------------------


def test_sqlite_glob_pattern_brackets_specials_and_leaves_like_wildcards() -> None:
    assert sqlite_contains_pattern("%_") == "*%_*"
    assert sqlite_contains_pattern("*?[]") == "*[*][?][[]]*"
    assert sqlite_contains_pattern("ab") == "*[Aa][Bb]*"
    assert sqlite_contains_pattern("k") == "*[Kk\u212a]*"


def test_postgres_pattern_escapes_every_non_alphanumeric_by_code_point() -> None:
    assert postgres_contains_pattern("a.") == "[Aa]\\U0000002E"
    assert postgres_contains_pattern("1\\") == "1\\U0000005C"
    assert postgres_contains_pattern("é") == "[\\U000000C9\\U000000E9]"


def _glob_match(pattern: str, text: str) -> bool:
    """A tiny GLOB interpreter for the subset sqlite_contains_pattern emits."""
    regex = ""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            regex += ".*"
        elif char == "[":
            end = pattern.index("]", i + 2)
            regex += "[" + "".join(re.escape(c) for c in pattern[i + 1 : end]) + "]"
            i = end
        else:
            regex += re.escape(char)
        i += 1
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Straße", "STRAß"),
        ("STRASSE", "ß"),
        ("a*b?c[d]", "*B?C["),
        ("100%", "0%"),
        ("line\nbreak", "E\nB"),
        ("Kelvin \u212a", "kk"),
        ("\u03a3\u03c3\u03c2", "\u03c2\u03c2\u03c2"),
    ],
)
def test_glob_pattern_agrees_with_folding(text: str, needle: str) -> None:
    expected = fold_case(needle) in fold_case(text)
    assert _glob_match(sqlite_contains_pattern(needle), text) == expected


def test_contains_on_inputs_gets_the_bounded_text_index_prefilter_after_the_exact_test() -> None:
    needle = [{"field": "inputs.query", "operator": "contains", "value": "zebra"}]
    sql, params = render(needle, "postgresql")
    text = (
        "(coalesce(CAST(events.inputs AS TEXT), '') || ' ') || "
        "coalesce(CAST(events.outputs AS TEXT), '')"
    )
    assert f"(left({text}, 2048) ~ $5::VARCHAR) OR length({text}) > 2048" in sql, sql
    assert sql.index("jsonb_typeof") < sql.index("left(")  # the exact test first
    assert list(params.values()).count(postgres_contains_pattern("zebra")) == 2
    for value in ('ze"bra', "ab"):  # escaped in JSON text / too short for trigrams: no index
        sql, _ = render([{**needle[0], "value": value}], "postgresql")
        assert "left(" not in sql and "length(" not in sql, sql
    sql, _ = render(
        [{"field": "metadata.note", "operator": "contains", "value": "zebra"}], "postgresql"
    )
    assert "left(" not in sql, sql
