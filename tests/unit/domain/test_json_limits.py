"""The JSON document limits: the exact checks name where a limit is broken, and the fast
check finds a fault wherever they do."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.json_limits import (
    INT64_MAX,
    MAX_DEPTH,
    JsonLimitError,
    check_json_limits,
    int64_problem,
    within_limits,
)


def nested(levels: int) -> Any:
    document: Any = {}
    for level in range(levels - 2):
        document = {"k": document} if level % 2 else [document]
    return {"top": document}


def test_the_deepest_allowed_document_passes_every_check() -> None:
    document = nested(MAX_DEPTH)
    check_json_limits(document, check_nul=False)
    check_json_limits(document)
    assert within_limits(document)


@pytest.mark.parametrize("check_nul", [False, True])
def test_one_level_too_deep_is_refused_with_its_path(check_nul: bool) -> None:
    document = nested(MAX_DEPTH + 1)
    with pytest.raises(JsonLimitError) as info:
        check_json_limits(document, check_nul=check_nul)
    assert "nested deeper than 64 levels" in info.value.problem
    assert info.value.path == "top" + "[0].k" * 31 + "[0]"
    assert not within_limits(document)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"a": ["x", "y\x00"]}, "a[1]: contains the NUL character"),
        ({"a": {"k\x00": 1}}, "a: an object key contains the NUL character"),
    ],
)
def test_nul_characters_are_found_by_both_checks(document: Any, problem: str) -> None:
    assert not within_limits(document)
    with pytest.raises(JsonLimitError) as info:
        check_json_limits(document)
    assert str(info.value).startswith(problem)
    check_json_limits(document, check_nul=False)  # only the depth is asked for


def test_integers_beyond_int64_are_found_by_both_checks() -> None:
    document = {"metrics": {"n": [1, INT64_MAX + 1]}}
    assert not within_limits(document)
    assert (
        int64_problem(document)
        == f"metrics.n[1]: integer {INT64_MAX + 1} is outside the signed 64-bit range"
    )
    assert within_limits({"n": [INT64_MAX, -INT64_MAX - 1, 1.5, True, None, "s"]})
