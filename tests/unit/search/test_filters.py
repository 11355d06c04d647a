"""Parsing, coercion and rejection of raw search filters (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import BadRequest
from app.search.casefold import case_variants, fold_case
from app.search.filters import (
    COLUMN_KINDS,
    FILTER_TYPES,
    MAX_EXACT_INT,
    NEGATIONS,
    OPERATORS,
    OPERATORS_BY_TYPE,
    Filter,
    array_index,
    coerce_value,
    evaluation_filter,
    parse_field,
    parse_filter,
    parse_filters,
)


def _details(error: BadRequest) -> list[dict[str, Any]]:
    assert error.details is not None
    return error.details


def one(raw: dict[str, Any], *, strict: bool = True) -> Filter:
    return parse_filters([raw], strict=strict)[0]


def rejected(raw: Any, *, strict: bool = True) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        parse_filters(raw, strict=strict)
    assert caught.value.status_code == 400
    assert _details(caught.value), "every 400 carries details"
    return caught.value


# --- the table --------------------------------------------------------------------------------


def test_operator_table_covers_every_type_and_operator() -> None:
    assert tuple(OPERATORS_BY_TYPE) == FILTER_TYPES
    used = {op for ops in OPERATORS_BY_TYPE.values() for op in ops}
    assert used == set(OPERATORS)
    for ops in OPERATORS_BY_TYPE.values():
        assert ops[:4] in (("exists", "not exists", "is", "is not"),)
    assert OPERATORS_BY_TYPE["string"][4:] == ("contains", "not contains")
    assert OPERATORS_BY_TYPE["number"][4:] == ("greater than", "less than")
    assert OPERATORS_BY_TYPE["boolean"][4:] == ()
    assert OPERATORS_BY_TYPE["datetime"][4:] == ("after", "before")
    assert dict(NEGATIONS) == {"not exists": "exists", "is not": "is", "not contains": "contains"}


@pytest.mark.parametrize("filter_type", FILTER_TYPES)
@pytest.mark.parametrize("operator", OPERATORS)
def test_every_operator_type_pair_is_accepted_or_rejected_per_table(
    operator: str, filter_type: str
) -> None:
    sample = {"string": "x", "number": 1, "boolean": True, "datetime": 1_700_000_000_000}
    raw: dict[str, Any] = {"field": "metadata.k", "operator": operator, "type": filter_type}
    raw["value"] = sample[filter_type]
    if operator in OPERATORS_BY_TYPE[filter_type]:  # type: ignore[index]
        parsed = one(raw)
        assert (parsed.operator, parsed.type) == (operator, filter_type)
    else:
        error = rejected([raw])
        assert _details(error) == [
            {"loc": "filters[0].operator", "message": _details(error)[0]["message"]}
        ]
        for allowed in OPERATORS_BY_TYPE[filter_type]:  # type: ignore[index]
            assert allowed in error.message


# --- operators and types ----------------------------------------------------------------------


def test_unknown_operator_lists_the_operators() -> None:
    error = rejected([{"field": "event_name", "operator": "equals", "value": "x"}])
    assert "unknown operator 'equals'" in error.message
    assert all(op in error.message for op in OPERATORS)
    assert _details(error)[0]["loc"] == "filters[0].operator"


@pytest.mark.parametrize("legacy", ["is_", "is_not", "greater_than", "IS", ""])
def test_operator_spellings_other_than_the_wire_values_are_rejected(legacy: str) -> None:
    rejected([{"field": "event_name", "operator": legacy, "value": "x"}])


def test_type_id_is_rejected_with_the_allowed_types() -> None:
    error = rejected([{"field": "event_id", "operator": "is", "value": "x", "type": "id"}])
    assert "'id'" in error.message
    assert all(t in error.message for t in FILTER_TYPES)
    assert _details(error)[0]["loc"] == "filters[0].type"


def test_unknown_type_is_rejected() -> None:
    error = rejected([{"field": "event_name", "operator": "is", "value": "x", "type": "text"}])
    assert "unknown type 'text'" in error.message
    assert "string, number, boolean, datetime" in error.message


def test_operator_that_does_not_fit_the_type() -> None:
    error = rejected(
        [{"field": "metadata.a", "operator": "contains", "value": 1, "type": "number"}]
    )
    assert "'contains' does not apply to type 'number'" in error.message
    assert "exists, not exists, is, is not, greater than, less than" in error.message


def test_type_the_field_cannot_hold_is_rejected() -> None:
    error = rejected([{"field": "duration", "operator": "is", "value": "5", "type": "string"}])
    assert "duration" in error.message and "allowed types: number" in error.message
    error = rejected([{"field": "event_name", "operator": "is", "value": 5}])
    assert "allowed types: string" in error.message
    # exists / not exists take any type on any field.
    assert one({"field": "duration", "operator": "exists", "type": "boolean"}).value is None


# --- type inference ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected_type", "expected_value"),
    [
        ({"field": "metadata.a", "operator": "is", "value": "x"}, "string", "x"),
        ({"field": "metadata.a", "operator": "is", "value": 3}, "number", 3),
        ({"field": "metadata.a", "operator": "is", "value": 0.5}, "number", 0.5),
        ({"field": "metadata.a", "operator": "is", "value": False}, "boolean", False),
        ({"field": "metadata.a", "operator": "greater than", "value": "0.1"}, "number", 0.1),
        ({"field": "metadata.a", "operator": "contains", "value": 12}, "string", "12"),
        (
            {"field": "metadata.a", "operator": "after", "value": "2024-01-01"},
            "datetime",
            1_704_067_200_000,
        ),
        (
            {"field": "start_time", "operator": "is", "value": "2024-01-01T00:00:00Z"},
            "datetime",
            1_704_067_200_000,
        ),
        ({"field": "start_time", "operator": "is", "value": 5}, "number", 5),
        ({"field": "metadata.a", "operator": "exists"}, "string", None),
        ({"field": "metadata.a", "operator": "not exists", "value": 4}, "number", None),
    ],
)
def test_type_inference(raw: dict[str, Any], expected_type: str, expected_value: Any) -> None:
    parsed = one(raw)
    assert parsed.type == expected_type
    assert parsed.value == expected_value
    assert type(parsed.value) is type(expected_value)


def test_no_type_and_a_value_without_json_scalar_type_is_rejected() -> None:
    error = rejected([{"field": "metadata.a", "operator": "is", "value": [1]}])
    assert "cannot infer a type" in error.message


# --- value coercion ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "filter_type", "expected"),
    [
        ("0.1", "number", 0.1),
        ("5", "number", 5),
        (" -3 ", "number", -3),
        ("1e3", "number", 1000.0),
        (7, "number", 7),
        (2**60, "number", 2**60),
        (str(2**60), "number", 2**60),
        (2**64, "number", float(2**64)),
        (str(2**53), "number", 2**53),
        ("true", "boolean", True),
        ("FALSE", "boolean", False),
        (True, "boolean", True),
        ("abc", "string", "abc"),
        (5, "string", "5"),
        (0.5, "string", "0.5"),
        (True, "string", "true"),
        ("2024-01-01T00:00:00Z", "datetime", 1_704_067_200_000),
        ("2024-01-01T01:00:00+01:00", "datetime", 1_704_067_200_000),
        ("2024-01-01T00:00:00", "datetime", 1_704_067_200_000),
        ("2024-01-01T00:00:00.0019Z", "datetime", 1_704_067_200_001),
        (1_704_067_200_000, "datetime", 1_704_067_200_000),
        (1_704_067_200_000.0, "datetime", 1_704_067_200_000),
        ("1704067200000", "datetime", 1_704_067_200_000),
    ],
)
def test_coercion(value: Any, filter_type: Any, expected: Any) -> None:
    coerced = coerce_value(value, filter_type)
    assert coerced == expected
    assert type(coerced) is type(expected)


@pytest.mark.parametrize(
    ("value", "filter_type"),
    [
        ("abc", "number"),
        ("nan", "number"),
        ("inf", "number"),
        (float("nan"), "number"),
        (True, "number"),
        ("0x10", "number"),
        ("1e999", "number"),
        ("yes", "boolean"),
        (1, "boolean"),
        ("not a date", "datetime"),
        (1.5, "datetime"),
        (True, "datetime"),
        (2**60, "datetime"),
        ({"a": 1}, "string"),
        ("a\x00b", "string"),
        ("\ud800", "string"),
        ("x" * 4097, "string"),
    ],
)
def test_values_that_cannot_be_coerced_are_400(value: Any, filter_type: str) -> None:
    raw = [
        {"field": "metadata.a", "operator": "exists"},
        {"field": "metadata.a", "operator": "is", "value": value, "type": filter_type},
    ]
    error = rejected(raw)
    assert _details(error)[0]["loc"] == "filters[1].value"
    assert error.message.startswith("filters[1].value: ")


def test_value_is_required_except_for_exists() -> None:
    for raw in (
        {"field": "metadata.a", "operator": "is", "type": "string"},
        {"field": "metadata.a", "operator": "is", "value": None, "type": "string"},
        {"field": "metadata.a", "operator": "contains"},
    ):
        error = rejected([raw])
        assert _details(error)[0]["loc"] == "filters[0].value"
        assert "value is required" in error.message
    assert one({"field": "metadata.a", "operator": "exists", "type": "number"}).value is None
    assert one({"field": "metadata.a", "operator": "not exists", "value": None}).value is None


# --- strict and lenient objects ---------------------------------------------------------------


def test_strict_mode_rejects_unknown_keys_lenient_mode_ignores_them() -> None:
    raw = {"field": "event_name", "operator": "is", "value": "x", "type": "string", "extra": 1}
    error = rejected([raw], strict=True)
    assert "'extra'" in error.message and "field, operator, value, type" in error.message
    assert one(raw, strict=False).value == "x"


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("missing", ["field", "operator"])
def test_field_and_operator_are_required(strict: bool, missing: str) -> None:
    raw = {"field": "event_name", "operator": "is", "value": "x"}
    del raw[missing]
    error = rejected([raw], strict=strict)
    assert _details(error)[0]["loc"] == f"filters[0].{missing}"


@pytest.mark.parametrize("raw", ["nope", {"field": "x"}, 5])
def test_filters_must_be_a_list(raw: Any) -> None:
    error = rejected(raw)
    assert _details(error)[0]["loc"] == "filters"


@pytest.mark.parametrize("item", ["nope", 5, None, [1]])
def test_each_filter_must_be_an_object(item: Any) -> None:
    error = rejected([item])
    assert _details(error)[0]["loc"] == "filters[0]"


def test_none_means_no_filters() -> None:
    assert parse_filters(None, strict=True) == []
    assert parse_filters([], strict=True) == []


def test_every_bad_filter_is_reported_at_once() -> None:
    error = rejected(
        [
            {"field": "event_name", "operator": "is", "value": "ok"},
            {"field": "nope", "operator": "is", "value": "x"},
            {"field": "event_name", "operator": "bad", "value": "x"},
        ]
    )
    assert [d["loc"] for d in _details(error)] == ["filters[1].field", "filters[2].operator"]
    assert "(and 1 more problem(s))" in error.message


def test_parse_filter_uses_the_given_location() -> None:
    with pytest.raises(BadRequest) as caught:
        parse_filter({"field": "x", "operator": "is", "value": 1}, strict=True, loc="where")
    assert _details(caught.value) == [
        {"loc": "where.field", "message": _details(caught.value)[0]["message"]}
    ]


# --- fields -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(COLUMN_KINDS))
def test_every_top_level_column_is_a_field(name: str) -> None:
    field = parse_field(name)
    assert (field.root, field.path, field.kind) == (name, (), COLUMN_KINDS[name])


def test_dotted_paths_into_buckets() -> None:
    field = parse_field("inputs.chat_history.0.content")
    assert (field.root, field.path, field.kind) == (
        "inputs",
        ("chat_history", "0", "content"),
        "json",
    )
    assert parse_field("user_properties.x y.é").path == ("x y", "é")
    assert len(parse_field("metadata." + ".".join(["a"] * 32)).path) == 32


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("metadata", "name a path inside it"),
        ("metadata.", "segment 1 of 'metadata.' is empty"),
        ("metadata..a", "segment 1"),
        ("metadata.a.", "segment 2"),
        ("metadata." + "k" * 257, "longer than 256"),
        ("metadata." + ".".join(["a"] * 33), "deeper than 32"),
        ("nope", "unknown field 'nope'"),
        ("nope.a", "unknown field"),
        ("event_name.x", "takes no '.path'"),
        ("children_ids.0", "takes no '.path'"),
        ("metadata.a\x00", "NUL"),
        ("", "unknown field"),
    ],
)
def test_bad_fields_are_400(name: str, fragment: str) -> None:
    error = rejected([{"field": name, "operator": "exists"}])
    assert fragment in error.message
    assert _details(error)[0]["loc"] == "filters[0].field"


def test_unknown_field_lists_the_allowed_ones() -> None:
    error = rejected([{"field": "nope", "operator": "exists"}])
    assert "event_name" in error.message and "metadata.<path>" in error.message


def test_segment_of_exactly_256_characters_is_fine() -> None:
    assert parse_field("metadata." + "k" * 256).path == ("k" * 256,)


def test_field_must_be_a_string() -> None:
    error = rejected([{"field": 5, "operator": "exists"}])
    assert _details(error)[0]["loc"] == "filters[0].field"


@pytest.mark.parametrize(
    ("segment", "index"),
    [
        ("0", 0),
        ("12", 12),
        ("007", 7),
        (str(2**31 - 1), 2**31 - 1),
        (str(2**31), None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1a", None),
        ("\u0661", None),
        ("", None),
    ],
)
def test_array_index_segments(segment: str, index: int | None) -> None:
    assert array_index(segment) == index


# --- evaluation_id ----------------------------------------------------------------------------


def test_evaluation_filter_is_metadata_run_id() -> None:
    f = evaluation_filter("run-1")
    assert f == one(
        {"field": "metadata.run_id", "operator": "is", "value": "run-1", "type": "string"}
    )
    for bad in ("", 5, None):
        with pytest.raises(BadRequest) as caught:
            evaluation_filter(bad)
        assert _details(caught.value) and _details(caught.value)[0]["loc"] == "evaluation_id"


# --- case folding -----------------------------------------------------------------------------


def test_case_folding_examples() -> None:
    assert fold_case("ÄBC Straße ẞ") == "äbc straße ß"
    assert fold_case("\u03a3\u0391\u03a3 \u03c2") == "\u03c3\u03b1\u03c3 \u03c3"
    assert fold_case("K\u212a") == "kk"
    assert fold_case("İ") == "İ"  # its folding is two characters: left alone
    assert case_variants("k") == "K" + "k" + "\u212a"
    assert case_variants("1") == "1"


def test_case_variants_are_exactly_the_characters_with_the_same_folding() -> None:
    for code in list(range(0x250)) + list(range(0x370, 0x530)) + [0x1E9E, 0x212A, 0x2126]:
        char = chr(code)
        variants = case_variants(char)
        assert char in variants
        assert {fold_case(v) for v in variants} == {fold_case(char)}
        assert len(fold_case(char)) == 1


def test_big_integers_become_doubles() -> None:
    assert coerce_value(MAX_EXACT_INT, "number") == MAX_EXACT_INT
    assert isinstance(coerce_value(MAX_EXACT_INT + 1, "number"), float)
    error_raw = {"field": "metadata.a", "operator": "is", "value": 10**400, "type": "number"}
    rejected([error_raw])
