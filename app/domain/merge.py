"""Update merge rules (PUT /events, PUT /v1/events/{id}) as one table, applied purely.

The repository turns a plan into ONE atomic SQL UPDATE; :func:`apply_plan` is the
reference of what that statement must produce.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final


class UpdateRule(StrEnum):
    MERGE = "merge"  # top-level key merge into the stored object, new keys win
    REPLACE = "replace"  # the stored value is replaced as a whole
    SET = "set"  # a scalar is set
    SET_IF_NONEMPTY = "set_if_nonempty"  # set only when the given list is non-empty


# field -> rule. A field not listed here is accepted and ignored. A null value is a no-op
# for every rule.
UPDATE_RULES: Final[Mapping[str, UpdateRule]] = {
    "metadata": UpdateRule.MERGE,
    "feedback": UpdateRule.MERGE,
    "metrics": UpdateRule.MERGE,
    "config": UpdateRule.MERGE,
    "user_properties": UpdateRule.MERGE,
    "outputs": UpdateRule.REPLACE,
    "duration": UpdateRule.SET,
    "end_time": UpdateRule.SET,
    "children_ids": UpdateRule.SET_IF_NONEMPTY,
}


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    rule: UpdateRule
    value: Any


def plan_update(fields: Mapping[str, Any]) -> tuple[Change, ...]:
    """The changes an update body asks for, in the table's order; no-ops are dropped."""
    changes: list[Change] = []
    for field, rule in UPDATE_RULES.items():
        value = fields.get(field)
        if value is None:
            continue
        if rule is UpdateRule.SET_IF_NONEMPTY and not value:
            continue
        if rule is UpdateRule.MERGE and not value:
            continue
        changes.append(Change(field, rule, value))
    return tuple(changes)


def apply_plan(event: Mapping[str, Any], changes: tuple[Change, ...]) -> dict[str, Any]:
    """The event after the changes (the pure reference of the SQL update)."""
    updated = dict(event)
    for change in changes:
        if change.rule is UpdateRule.MERGE:
            current = updated.get(change.field) or {}
            updated[change.field] = {**current, **change.value}
        else:
            updated[change.field] = change.value
    return updated
