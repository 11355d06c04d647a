"""Postgres: exact event counters per (project, event type, UTC hour), kept by triggers.

`event_counts` holds signed deltas: every INSERT statement on `events` adds one row per
(project_id, event_type, hour) it wrote, with the number of rows; every DELETE statement adds
the negative deltas. The triggers are statement-level AFTER triggers on the partitioned
parent with transition tables (`REFERENCING NEW/OLD TABLE`), so they run in the writer's
transaction: a snapshot sees an event and its delta, or neither. Writers only INSERT deltas
(no counter row is updated, so concurrent writers never wait on each other); a read sums the
rows; maintenance compacts the rows of a bucket into one. A TRUNCATE of `events` empties the
counters. `hour` is floor(start_time / 3,600,000). Existing events are counted here, under the
lock CREATE TRIGGER takes (no write slips between the count and the trigger).
The partial index serves `error exists` (pages and counts) from about 1% of the rows.
SQLite is unchanged (it counts the table). See docs/search.md.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOUR_MS = 3_600_000
# floor(start_time / hour) without overflow for any bigint (`/` truncates toward zero).
HOUR_OF = (
    f"CASE WHEN start_time >= 0 THEN start_time / {HOUR_MS} "
    f"ELSE (start_time + 1) / {HOUR_MS} - 1 END"
)


def _delta_function(name: str, table: str, sign: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO event_counts (project_id, event_type, hour, n) "
        f"SELECT project_id, event_type, {HOUR_OF}, {sign}count(*) FROM {table} "
        "GROUP BY 1, 2, 3; RETURN NULL; END $$"
    )


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE event_counts (project_id varchar(64) NOT NULL, "
        "event_type varchar(16) NOT NULL, hour bigint NOT NULL, n bigint NOT NULL)"
    )
    op.execute(
        "CREATE INDEX ix_event_counts_type ON event_counts (project_id, event_type, hour) "
        "INCLUDE (n)"
    )
    op.execute("CREATE INDEX ix_event_counts_hour ON event_counts (project_id, hour) INCLUDE (n)")
    op.execute(_delta_function("event_counts_added", "added", ""))
    op.execute(_delta_function("event_counts_removed", "removed", "-"))
    op.execute(
        "CREATE FUNCTION event_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN DELETE FROM event_counts; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER event_counts_insert AFTER INSERT ON events "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
        "EXECUTE FUNCTION event_counts_added()"
    )
    op.execute(
        "CREATE TRIGGER event_counts_delete AFTER DELETE ON events "
        "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
        "EXECUTE FUNCTION event_counts_removed()"
    )
    op.execute(
        "CREATE TRIGGER event_counts_truncate AFTER TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION event_counts_truncated()"
    )
    # The triggers' lock (SHARE ROW EXCLUSIVE on events) is held until commit: no event is
    # written between this count and the triggers.
    op.execute(
        "/* maintenance */ INSERT INTO event_counts (project_id, event_type, hour, n) "
        f"SELECT project_id, event_type, {HOUR_OF}, count(*) FROM events GROUP BY 1, 2, 3"
    )
    op.execute(
        "CREATE INDEX ix_events_project_error_time ON events "
        "(project_id, start_time DESC, event_id DESC) WHERE error IS NOT NULL"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_events_project_error_time")
    for trigger in ("insert", "delete", "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS event_counts_{trigger} ON events")
    for function in ("added", "removed", "truncated"):
        op.execute(f"DROP FUNCTION IF EXISTS event_counts_{function}()")
    op.execute("DROP TABLE IF EXISTS event_counts")
