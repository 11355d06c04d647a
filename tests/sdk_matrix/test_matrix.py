"""Issue 15: every `honeyhive` line still in use, in its own environment, against a real
server on both backends. One test per cell (version x scenario); the table in
docs/sdk-compatibility.md must be exactly what this run's outcomes render to."""

from __future__ import annotations

import pytest

from tests.sdk_matrix.conftest import MatrixRun
from tests.sdk_matrix.matrix import ROWS, SCENARIO_NAMES, expected
from tests.sdk_matrix.table import DOC, render, results_path, section

pytestmark = [pytest.mark.e2e]


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
@pytest.mark.parametrize("version", ROWS)
def test_cell(matrix: MatrixRun, version: str, scenario: str) -> None:
    """The cell shows what the version can do: it works, the version lacks the feature, or
    the (proven) documented limitation; never a failure."""
    got = matrix.outcomes[version][scenario]
    logs = "\n".join(job.describe() for (v, _), job in matrix.jobs.items() if v == version)
    assert got == expected(version, scenario), f"{got}\n{logs[-6000:]}"


def test_table_in_the_docs_is_what_ran(matrix: MatrixRun) -> None:
    """The table in the docs renders exactly this backend's outcomes (the run wrote them to
    .sdk-matrix/results-<backend>.json, which `python -m tests.sdk_matrix.table` renders)."""
    documented = section(DOC.read_text())
    assert documented == render(matrix.outcomes), (
        f"{DOC.name} does not match this run ({results_path(matrix.backend)}); after "
        "checking the outcomes, run `.venv/bin/python -m tests.sdk_matrix.table` to regenerate it"
    )
