"""Unit tests of JSON flag parsing: inline, @file, - (stdin), JSON arrays and JSONL."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import typer

from app.cli.json_args import JsonArgReader


def bad(call: object) -> str:
    """The one-line message of the BadParameter a call raises (with its flag hint)."""
    assert callable(call)
    with pytest.raises(typer.BadParameter) as info:
        call()
    return f"{info.value.param_hint}: {info.value.format_message()}"


def test_inline_json_of_every_type() -> None:
    reader = JsonArgReader()
    assert reader.value("--inputs", '{"a": [1, 2.5, null, true]}') == {"a": [1, 2.5, None, True]}
    assert reader.value("--outputs", '"text"') == "text"
    assert reader.value("--outputs", "3") == 3
    assert reader.value("--children-ids", '["c1"]') == ["c1"]


def test_file_value(tmp_path: Path) -> None:
    path = tmp_path / "inputs.json"
    path.write_bytes(b'\xef\xbb\xbf{"from": "file"}')  # a BOM is tolerated
    assert JsonArgReader().value("--inputs", f"@{path}") == {"from": "file"}


def test_stdin_value_and_only_one_stdin_flag() -> None:
    reader = JsonArgReader(stdin=io.StringIO('{"from": "stdin"}'))
    assert reader.value("--metadata", "-") == {"from": "stdin"}
    message = bad(lambda: reader.value("--config", "-"))
    assert "'--config'" in message
    assert "already read by '--metadata'" in message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{bad", "not valid JSON"),
        ("", "not valid JSON"),
        ("NaN", "not valid JSON"),
        ("@", "must be followed by a file path"),
        ("@/no/such/file.json", "cannot read file '/no/such/file.json'"),
    ],
)
def test_bad_values_name_the_flag(raw: str, expected: str) -> None:
    message = bad(lambda: JsonArgReader().value("--feedback", raw))
    assert message.startswith("'--feedback': ")
    assert expected in message


def test_bad_json_in_file_names_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{nope")
    message = bad(lambda: JsonArgReader().value("--metrics", f"@{path}"))
    assert f"in file '{path}'" in message


def test_a_bare_file_path_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("{}")
    assert f"write @{path}" in bad(lambda: JsonArgReader().value("--inputs", str(path)))


def test_events_from_a_json_array_or_a_single_object() -> None:
    reader = JsonArgReader()
    assert reader.events("--events", '[{"a": 1}, {"b": 2}]') == [{"a": 1}, {"b": 2}]
    assert reader.events("--events", "[]") == []
    assert reader.events("--events", '{\n  "a": 1\n}') == [{"a": 1}]


def test_events_from_jsonl_content() -> None:
    text = '{"a": 1}\n\n  \n{"b": [1, 2]}\n'
    assert JsonArgReader().events("--events", text) == [{"a": 1}, {"b": [1, 2]}]


def test_a_jsonl_file_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"a": 1}\n')  # also a valid JSON document: the suffix decides
    assert JsonArgReader().events("--events", f"@{path}") == [{"a": 1}]
    path.write_text('[{"a": 1}]\n')
    assert "line 1" in bad(lambda: JsonArgReader().events("--events", f"@{path}"))


def test_events_from_stdin_jsonl() -> None:
    reader = JsonArgReader(stdin=io.StringIO('{"a": 1}\n{"b": 2}\n'))
    assert reader.events("--events", "-") == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"a": 1}\n{oops', "line 2 is not valid JSON"),
        ('{"a": 1}\n[1]', "line 2 is not a JSON object"),
        ("[{", "not valid JSON"),
        ('[{"a": 1}, 2]', "event #2 is not a JSON object"),
        ("42", "expected a JSON array of event objects"),
        ("  \n", "no events found"),
    ],
)
def test_bad_events(raw: str, expected: str) -> None:
    message = bad(lambda: JsonArgReader().events("--events", raw))
    assert message.startswith("'--events': ")
    assert expected in message
