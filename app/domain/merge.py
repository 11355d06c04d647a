"""Update merge rules (PUT /events, PUT /v1/events/{id}) as one table, applied purely.

The repository turns a plan into ONE atomic SQL UPDATE; :func:`apply_plan` is the
reference of what that statement must produce.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final


class Rule(StrEnum):
    MERGE = "merge"  # top-level key merge into the stored object, new keys win
    REPLACE = "replace"  # the stored value is replaced as a whole
    SET = "set"  # a scalar is set
    SET_IF_NONEMPTY = "set_if_nonempty"  # set only when the given list is non-empty


# field -> rule. A field not listed here is accepted and ignored. A null value is a no-op
# for every rule.
UPDATE_RULES: Final[Mapping[str, Rule]] = {
    "metadata": Rule.MERGE,
    "feedback": Rule.MERGE,
    "metrics": Rule.MERGE,
    "config": Rule.MERGE,
    "user_properties": Rule.MERGE,
    "outputs": Rule.REPLACE,
    "duration": Rule.SET,
    "end_time": Rule.SET,
    "children_ids": Rule.SET_IF_NONEMPTY,
}


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    rule: Rule
    value: Any


def plan_update(fields: Mapping[str, Any]) -> tuple[Change, ...]:
    """The changes an update body asks for, in the table's order; no-ops are dropped."""
    changes: list[Change] = []
    for field, rule in UPDATE_RULES.items():
        value = fields.get(field)
        if value is None:
            continue
        if rule is Rule.SET_IF_NONEMPTY and not value:
            continue
        if rule is Rule.MERGE and not value:
            continue
        changes.append(Change(field, rule, value))
    return tuple(changes)


def apply_plan(event: Mapping[str, Any], changes: tuple[Change, ...]) -> dict[str, Any]:
    """The event after the changes (the pure reference of the SQL update)."""
    updated = dict(event)
    for change in changes:
        if change.rule is Rule.MERGE:
            current = updated.get(change.field) or {}
            updated[change.field] = {**current, **change.value}
        else:
            updated[change.field] = change.value
    return updated
