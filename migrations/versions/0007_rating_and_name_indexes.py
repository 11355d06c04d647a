"""Postgres: indexes for two search shapes that scanned every event of a project.

* `feedback.rating` ranges: a stored generated column `feedback_rating` (the rating when it
  is a JSON number, else NULL, the same test as the metadata columns of migration 0003),
  indexed with the page order columns, so that a range on it counts and pages from the
  index alone. The compiler's MATERIALIZED_NUMERIC table names it.
* `event_name contains`: a b-tree on (project_id, event_name, start_time DESC, event_id
  DESC). Event names are few per project: a search first lists the project's distinct names
  that contain the needle (a skip scan of this index, one descent per name), then reads the
  events of those names from the same index (app/repository/events.py).

Cost on a large table: adding a stored generated column rewrites every partition (writes
wait meanwhile), and both indexes are built over all rows. SQLite is unchanged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, str] = {
    "ix_events_feedback_rating": (
        "USING btree (project_id, feedback_rating) INCLUDE (start_time, event_id)"
    ),
    "ix_events_project_name_time": (
        "USING btree (project_id, event_name, start_time DESC, event_id DESC)"
    ),
}


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE events ADD COLUMN feedback_rating numeric GENERATED ALWAYS AS "
        "(CASE WHEN jsonb_typeof(feedback -> 'rating') = 'number' "
        "THEN (feedback ->> 'rating')::numeric END) STORED"
    )
    # Indexes on the partitioned parent are created on every partition (and on later ones).
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON events {definition}")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ALTER TABLE events DROP COLUMN IF EXISTS feedback_rating")
