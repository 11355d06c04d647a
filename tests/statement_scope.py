"""The statement-scope rule, checked on every statement the suite's in-process engines send
(hooked in tests/conftest.py): a SELECT/INSERT/UPDATE/DELETE that reads or writes the
`events` table must be scoped to one project, i.e.

- it compares `project_id` with a bound parameter (`project_id = $1`, `= ?`, `IN ($2)`), or
- it is a single-row `INSERT INTO events (...) VALUES (...)` (one row: one project), or
- it is a documented maintenance statement (starts with `/* maintenance */`, see
  docs/storage.md).

Schema statements (CREATE/ALTER/DROP/LOCK: migrations and partition DDL) are not queries
of project data and are not checked. The one exempt engine is the search compiler's
property test (tests/db/test_search_compiler_db.py), which queries a scratch table of all
projects at once to compare SQL with the reference model; it never goes through the
repository. With Citus, a statement scoped this way is routed to
the one shard group that holds the project."""

from __future__ import annotations

import re
from typing import Final

MAINTENANCE_MARK: Final = "/* maintenance */"
_DML: Final = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
# A reference to the table itself (not events_default, events_p..., event_ids).
_EVENTS: Final = re.compile(r"\b(FROM|JOIN|UPDATE|INTO)\s+events\b(?![_.])", re.IGNORECASE)
_PARAM: Final = r"(\$\d+|\?|:\w+|%\(\w+\)s)"
_SCOPED: Final = re.compile(rf"\bproject_id\s*(=\s*{_PARAM}|IN\s*\(\s*{_PARAM})", re.IGNORECASE)
_ONE_ROW_INSERT: Final = re.compile(
    r"\s*INSERT\s+INTO\s+events\s*\([^()]*\)\s*VALUES\s*\((?:[^()]|\([^()]*\))*\)\s*"
    r"(ON\s+CONFLICT\b|RETURNING\b|$)",
    re.IGNORECASE,
)


def violation(statement: str) -> str | None:
    """Why ``statement`` breaks the rule, or None when it keeps it."""
    if statement.lstrip().startswith(MAINTENANCE_MARK):
        return None
    if not _DML.match(statement) or not _EVENTS.search(statement):
        return None
    if _SCOPED.search(statement) or _ONE_ROW_INSERT.match(statement):
        return None
    return "a statement on `events` without a project_id predicate"
