"""Finding protobuf fields sent with the wrong wire type. The parser keeps such a field as an
unknown field instead of failing, so a malformed export would read as "no spans"."""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.unknown_fields import UnknownFieldSet


def mistyped_field(message: Any, path: str = "") -> str | None:
    """The path of the first field (in ``message`` or any message inside it) whose number the
    schema knows but which arrived with another wire type, or None. Unknown field numbers
    (newer OTLP versions) are left alone."""
    stack: list[tuple[Any, str]] = [(message, path or message.DESCRIPTOR.name)]
    while stack:
        current, where = stack.pop()
        known = current.DESCRIPTOR.fields_by_number
        for unknown in UnknownFieldSet(current):
            field = known.get(unknown.field_number)
            if field is not None:
                return f"{where}.{field.name} (wire type {unknown.wire_type})"
        for field, value in current.ListFields():
            if field.type != FieldDescriptor.TYPE_MESSAGE:
                continue
            if field.is_repeated:
                if field.message_type.GetOptions().map_entry:
                    continue
                stack.extend((item, f"{where}.{field.name}[{i}]") for i, item in enumerate(value))
            else:
                stack.append((value, f"{where}.{field.name}"))
    return None
