"""app/domain/merge.py: the update rule table, planning and the pure reference merge."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.merge import (
    UPDATE_RULES,
    Change,
    UpdateRule,
    apply_plan,
    combine_plans,
    plan_update,
)


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


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
small_object = st.dictionaries(st.sampled_from("abcd"), json_leaf, max_size=3)
update_body = st.fixed_dictionaries(
    {},
    optional={
        "metadata": small_object,
        "feedback": small_object,
        "outputs": small_object,
        "duration": st.floats(0, 10, allow_nan=False),
        "end_time": st.integers(0, 10),
        "children_ids": st.lists(st.sampled_from("xyz"), max_size=2),
    },
)


@settings(deadline=None)  # a shared, busy machine: no per-example time limit
@given(st.fixed_dictionaries({"metadata": st.none() | small_object}), st.lists(update_body))
def test_combined_plans_equal_the_plans_applied_in_order(
    stored: dict[str, object], bodies: list[dict[str, object]]
) -> None:
    plans = [plan_update(body) for body in bodies]
    one_by_one: dict[str, object] = stored
    for plan in plans:
        one_by_one = apply_plan(one_by_one, plan)
    assert apply_plan(stored, combine_plans(plans)) == one_by_one


def test_combine_keeps_the_table_order_and_the_last_replace() -> None:
    combined = combine_plans(
        [plan_update({"outputs": {"v": 1}, "metadata": {"a": 1}}), plan_update({"outputs": 2})]
    )
    assert combined == (
        Change("metadata", UpdateRule.MERGE, {"a": 1}),
        Change("outputs", UpdateRule.REPLACE, 2),
    )
