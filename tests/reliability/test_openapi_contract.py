"""The OpenAPI document is a contract: every reference resolves, and schemathesis, run against
the live server of each backend, finds no 5xx, no answer outside its documented schema and
no undocumented status."""

from __future__ import annotations

import json
import re
from collections import Counter

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.server import ServerProcess

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Examples per operation and backend: enough to reach every status, small enough for CI.
EXAMPLES = 12


@pytest.fixture(scope="session")
def api_schema(shared_server: ServerProcess) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{shared_server.url}/openapi.json")


def test_every_reference_resolves(shared_server: ServerProcess) -> None:
    document = httpx.get(f"{shared_server.url}/openapi.json", timeout=30).json()
    text = json.dumps(document)
    refs = set(re.findall(r'"\$ref": "([^"]+)"', text))
    schemas = document["components"]["schemas"]
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "422" not in codes and "200" in codes, (method, path)
            assert operation["responses"]["200"].get("content"), (method, path)
            if path not in ("/healthz", "/healthcheck"):
                assert {"400", "503"} <= codes, (method, path)


def _check_operation(operation: schemathesis.APIOperation, statuses: Counter[int]) -> str | None:
    """Run the generated cases of one operation; the first failure, or None."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(checks=CHECKS)
        statuses[response.status_code] += 1

    try:
        run()
    except Exception as exc:
        return f"{operation.method.upper()} {operation.path}: {exc}"
    return None


def test_api_conforms(api_schema: schemathesis.BaseSchema) -> None:
    """Every operation with generated (valid and invalid) inputs; the three checks."""
    failures = []
    operations = 0
    statuses: Counter[int] = Counter()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failure = _check_operation(operation, statuses)
        if failure is not None:
            failures.append(failure)
    print(
        f"schemathesis: {operations} operations, {sum(statuses.values())} calls, {dict(statuses)}"
    )
    assert not failures, "\n\n".join(failures)
    assert operations >= 20
    # Both accepted and refused inputs were exercised.
    assert statuses[200] > operations and sum(statuses.values()) - statuses[200] > operations
