"""Parsing of JSON flag values for `events-api events`: inline JSON, `@file`, `-` (stdin), JSONL."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import orjson
import typer


def _bad(flag: str, message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=f"'{flag}'")


def _json_error(exc: orjson.JSONDecodeError) -> str:
    return f"{exc.msg}: line {exc.lineno} column {exc.colno}"


class JsonArgReader:
    """Reads the values of the JSON flags of one command invocation.

    A value is inline JSON, ``@path`` (the file's content) or ``-`` (standard input, which
    can feed only one flag per invocation). Every failure is a ``typer.BadParameter`` naming
    the flag, so the command exits 2 before sending any request.
    """

    def __init__(self, stdin: TextIO | None = None) -> None:
        self._stdin = stdin
        self._stdin_reader: str | None = None

    def text(self, flag: str, raw: str) -> tuple[str, Path | None]:
        """The JSON text behind a flag value, and the file it came from (``None`` otherwise)."""
        if raw == "-":
            if self._stdin_reader is not None:
                raise _bad(
                    flag,
                    f"standard input ('-') was already read by '{self._stdin_reader}'; "
                    "only one flag can read it",
                )
            self._stdin_reader = flag
            stream = self._stdin if self._stdin is not None else sys.stdin
            return stream.read(), None
        if raw.startswith("@"):
            path = Path(raw[1:]).expanduser()
            if not raw[1:]:
                raise _bad(flag, "'@' must be followed by a file path, e.g. @event.json")
            try:
                return path.read_bytes().decode("utf-8-sig"), path
            except OSError as exc:
                raise _bad(flag, f"cannot read file '{path}': {exc.strerror or exc}") from exc
            except UnicodeDecodeError as exc:
                raise _bad(flag, f"file '{path}' is not UTF-8 text") from exc
        return raw, None

    def value(self, flag: str, raw: str) -> Any:
        """The parsed JSON value of a flag."""
        text, path = self.text(flag, raw)
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            where = f" in file '{path}'" if path is not None else ""
            hint = ""
            if path is None and raw not in ("-", "") and Path(raw).is_file():
                hint = f" (to read the file, write @{raw})"
            raise _bad(flag, f"not valid JSON{where} ({_json_error(exc)}){hint}") from exc

    def events(self, flag: str, raw: str) -> list[dict[str, Any]]:
        """A list of event objects: a JSON array, a single JSON object, or JSONL.

        JSONL (one JSON object per non-empty line) is assumed for a file whose name ends in
        ``.jsonl`` and for any content that does not parse as one JSON document.
        """
        text, path = self.text(flag, raw)
        where = f" in file '{path}'" if path is not None else ""
        if path is None or path.suffix.lower() != ".jsonl":
            try:
                document = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                if text.lstrip().startswith("["):
                    raise _bad(flag, f"not valid JSON{where} ({_json_error(exc)})") from exc
            else:
                if isinstance(document, dict):
                    return [document]
                if not isinstance(document, list):
                    raise _bad(flag, "expected a JSON array of event objects, or JSONL")
                for index, item in enumerate(document):
                    if not isinstance(item, dict):
                        raise _bad(flag, f"event #{index + 1}{where} is not a JSON object")
                return document
        return _jsonl_events(flag, text, where)


def _jsonl_events(flag: str, text: str, where: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise _bad(flag, f"line {number}{where} is not valid JSON ({exc.msg})") from exc
        if not isinstance(item, dict):
            raise _bad(flag, f"line {number}{where} is not a JSON object")
        events.append(item)
    if not events:
        raise _bad(
            flag, f"no events found{where}: expected a JSON array of event objects, or JSONL"
        )
    return events
