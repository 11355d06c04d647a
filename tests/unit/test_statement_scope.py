"""The statement-scope rule itself: it accepts scoped statements and rejects the others."""

from __future__ import annotations

import pytest

from tests.statement_scope import violation

SCOPED = [
    "SELECT events.event_id FROM events WHERE events.project_id = $1::VARCHAR",
    "SELECT count(*) FROM events WHERE events.project_id = ? AND events.session_id = ?",
    "UPDATE events SET metadata = $1 WHERE project_id = $2 AND event_id = $3",
    "DELETE FROM events WHERE project_id = :project_id AND event_id IN (SELECT 1)",
    "WITH r AS (SELECT 1) INSERT INTO events (a) SELECT a FROM r WHERE r.project_id = $20",
    "INSERT INTO events (project_id, event_id) VALUES ($1, CAST($2 AS jsonb)) RETURNING x",
    "/* maintenance */ CREATE TABLE events_p20260101 PARTITION OF events FOR VALUES",
    "CREATE TABLE events (project_id text)",
    "SELECT 1 FROM event_ids WHERE start_time < $1",
    "SELECT count(*) FROM events_default",
]
UNSCOPED = [
    "SELECT count(*) FROM events",
    "DELETE FROM events",
    "SELECT * FROM events WHERE session_id = $1",
    "UPDATE events SET parent_id = $1 WHERE event_id = $2",
    "INSERT INTO events (a) SELECT a FROM other",
    "SELECT e.event_id FROM projects p JOIN events e ON e.project_id = p.id",
    "WITH x AS (DELETE FROM events WHERE start_time < $1 RETURNING 1) SELECT count(*) FROM x",
]


@pytest.mark.parametrize("statement", SCOPED)
def test_scoped_statements_pass(statement: str) -> None:
    assert violation(statement) is None


@pytest.mark.parametrize("statement", UNSCOPED)
def test_unscoped_statements_fail(statement: str) -> None:
    assert violation(statement) is not None


def test_the_statements_run_on_the_driver_itself_are_scoped() -> None:
    """The group commit's one-statement writes run on asyncpg directly, where the suite's
    hook does not see them: their SQL keeps the rule too."""
    from app.domain.merge import UPDATE_RULES
    from app.repository.events import _UNNEST_INSERT_SQL_RAW, _update_located_sql

    statements = [_UNNEST_INSERT_SQL_RAW, _update_located_sql(tuple(UPDATE_RULES), raw=True)]
    statements += [_update_located_sql((field,), raw=True) for field in UPDATE_RULES]
    for statement in statements:
        assert violation(statement) is None, statement
