"""app/domain/merge.py: the update rule table, planning and the pure reference merge."""

from __future__ import annotations

from app.domain.merge import UPDATE_RULES, Change, UpdateRule, apply_plan, plan_update


def test_every_bucket_but_outputs_and_inputs_merges() -> None:
    merged = {field for field, rule in UPDATE_RULES.items() if rule is UpdateRule.MERGE}
    assert merged == {"metadata", "feedback", "metrics", "config", "user_properties"}
    assert UPDATE_RULES["outputs"] is UpdateRule.REPLACE
    assert "inputs" not in UPDATE_RULES  # an update never touches inputs


def test_plan_drops_nulls_empty_merges_and_empty_children() -> None:
    plan = plan_update(
        {
            "metadata": {},
            "feedback": None,
            "children_ids": [],
            "duration": 0.0,
            "outputs": {"answer": 1},
            "inputs": {"ignored": True},
            "unknown": 5,
        }
    )
    assert plan == (
        Change("outputs", UpdateRule.REPLACE, {"answer": 1}),
        Change("duration", UpdateRule.SET, 0.0),
    )


def test_plan_follows_the_table_order() -> None:
    plan = plan_update({"end_time": 5, "metadata": {"a": 1}, "children_ids": ["c"]})
    assert [change.field for change in plan] == ["metadata", "end_time", "children_ids"]


def test_apply_merges_top_level_keys_new_values_win() -> None:
    stored = {"metadata": {"a": 1, "b": {"x": 1}}, "outputs": {"old": True}, "duration": 1.0}
    plan = plan_update({"metadata": {"b": {"y": 2}, "c": 3}, "outputs": {"new": True}})
    updated = apply_plan(stored, plan)
    assert updated["metadata"] == {"a": 1, "b": {"y": 2}, "c": 3}  # shallow: b is replaced
    assert updated["outputs"] == {"new": True}
    assert updated["duration"] == 1.0
    assert stored["metadata"] == {"a": 1, "b": {"x": 1}}  # the input is not mutated


def test_apply_merges_into_a_missing_bucket() -> None:
    updated = apply_plan({"feedback": None}, plan_update({"feedback": {"rating": 5}}))
    assert updated["feedback"] == {"rating": 5}
