"""docs/search.md is checked against the code: operator/type table, fields, units, limits."""

from __future__ import annotations

import re
from pathlib import Path

from app.domain.records import JSON_BUCKETS
from app.schemas.search import EXPORT_MAX_LIMIT, SEARCH_MAX_LIMIT, ExportBody, SearchBody
from app.search.daterange import RELATIVE_UNITS_MS
from app.search.filters import COLUMN_KINDS, FILTER_TYPES, OPERATORS, OPERATORS_BY_TYPE

DOC = Path(__file__).resolve().parents[2] / "docs" / "search.md"
NOT_ALLOWED = "—"


def _table_after(header: str) -> list[list[str]]:
    """Rows (cells stripped) of the Markdown table whose header row starts with `header`."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    assert re.fullmatch(r"-+", rows[1][0].replace(" ", "")), "second row is the separator"
    return [rows[0], *rows[2:]]


def test_operator_type_table_matches_the_code() -> None:
    header, *rows = _table_after("| operator |")
    assert header[1:] == list(FILTER_TYPES)
    assert [row[0] for row in rows] == list(OPERATORS)
    documented = {
        filter_type: tuple(row[0] for row in rows if row[1 + column] != NOT_ALLOWED)
        for column, filter_type in enumerate(FILTER_TYPES)
    }
    assert documented == dict(OPERATORS_BY_TYPE)
    for row in rows:
        assert all(cell for cell in row), f"empty cell in row {row[0]!r}"


def test_fields_table_names_every_field() -> None:
    _, *rows = _table_after("| field |")
    names = set(re.findall(r"`([a-z_]+)", " ".join(row[0] for row in rows)))
    assert set(COLUMN_KINDS) | set(JSON_BUCKETS) == names


def test_relative_units_are_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    grammar = re.search(r"\*\*Relative grammar\*\*(.*?)(?:\n\* |\n\n)", text, flags=re.DOTALL)
    assert grammar is not None
    documented = set(re.findall(r"`([a-zA-Z])` =", grammar.group(1)))
    assert documented == set(RELATIVE_UNITS_MS)


def test_page_size_defaults_and_maximums_are_documented() -> None:
    _, *rows = _table_after("| route |")
    documented = {row[0]: (int(row[1]), int(row[2])) for row in rows}
    assert documented == {
        "`POST /v1/events/search`": (SearchBody.model_fields["limit"].default, SEARCH_MAX_LIMIT),
        "`POST /v1/events/export`": (ExportBody.model_fields["limit"].default, EXPORT_MAX_LIMIT),
    }
