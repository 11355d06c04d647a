"""Indexes for fast exact searches on Postgres: counts by event type, numeric metadata
ranges (through generated columns), and substring (`contains`) searches in inputs/outputs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Numeric metadata keys that LLM events carry and users filter by range. Each gets a stored
# generated column `metadata_<key>`: the value when it is a JSON number, else NULL (the same
# test the filter compiler applies), indexed with the page order columns so that a range
# filter counts and pages from the index alone. The compiler's MATERIALIZED_NUMERIC table
# must list the same keys.
NUMERIC_METADATA_KEYS = ("cost", "prompt_tokens", "completion_tokens", "total_tokens")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Deduplicated (one entry per key, a list of rows): counting an event type is a short scan.
    op.execute("CREATE INDEX ix_events_project_type ON events (project_id, event_type)")
    for key in NUMERIC_METADATA_KEYS:
        op.execute(
            f"ALTER TABLE events ADD COLUMN metadata_{key} numeric GENERATED ALWAYS AS "
            f"(CASE WHEN jsonb_typeof(metadata -> '{key}') = 'number' "
            f"THEN (metadata ->> '{key}')::numeric END) STORED"
        )
        op.execute(
            f"CREATE INDEX ix_events_metadata_{key} ON events "
            f"(project_id, metadata_{key}) INCLUDE (start_time, event_id)"
        )
    # Trigram indexes on the JSON text: the compiler adds `<bucket>::text ~ <pattern>` as a
    # pre-filter to `contains` on inputs/outputs paths, which these indexes answer.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for bucket in ("inputs", "outputs"):
        op.execute(
            f"CREATE INDEX ix_events_{bucket}_trgm ON events "
            f"USING gin (({bucket}::text) gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for bucket in ("inputs", "outputs"):
        op.execute(f"DROP INDEX IF EXISTS ix_events_{bucket}_trgm")
    for key in NUMERIC_METADATA_KEYS:
        op.execute(f"DROP INDEX IF EXISTS ix_events_metadata_{key}")
        op.execute(f"ALTER TABLE events DROP COLUMN IF EXISTS metadata_{key}")
    op.execute("DROP INDEX IF EXISTS ix_events_project_type")
