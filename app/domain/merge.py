"""Update merge rules (PUT /events, PUT /v1/events/{id}) as one table, applied purely.

The repository turns a plan into ONE atomic SQL UPDATE; :func:`apply_plan` is the
reference of what that statement must produce.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


def combine_plans(plans: Iterable[Sequence[Change]]) -> tuple[Change, ...]:
    """One plan with the effect of applying ``plans`` one after the other: merges of a
    field combine (later keys win), any other rule keeps the last value. For every event
    ``e``: ``apply_plan(apply_plan(e, a), b) == apply_plan(e, combine_plans([a, b]))``."""
    combined: dict[str, Change] = {}
    for plan in plans:
        for change in plan:
            before = combined.get(change.field)
            if change.rule is UpdateRule.MERGE and before is not None:
                value = {**before.value, **change.value}
                combined[change.field] = Change(change.field, change.rule, value)
            else:
                combined[change.field] = change
    return tuple(combined[field] for field in UPDATE_RULES if field in combined)


def apply_plan(event: Mapping[str, Any], changes: Sequence[Change]) -> dict[str, Any]:
    """The event after the changes (the pure reference of the SQL update)."""
    updated = dict(event)
    for change in changes:
        if change.rule is UpdateRule.MERGE:
            current = updated.get(change.field) or {}
            updated[change.field] = {**current, **change.value}
        else:
            updated[change.field] = change.value
    return updated
