"""Indexes for fast exact searches on Postgres: counts by event type, numeric metadata
ranges, and substring (`contains`) searches in inputs and outputs.

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

# Numeric metadata keys that LLM events carry and users filter by range. The filter compiler
# writes every JSON path comparison as `<bucket> #> <path>`, so an index on that expression
# serves `greater than` / `less than` / `is` on it; add more keys the same way.
NUMERIC_METADATA_KEYS = ("cost", "prompt_tokens", "completion_tokens", "total_tokens")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Deduplicated (one entry per key, a list of rows): counting an event type is a short scan.
    op.execute("CREATE INDEX ix_events_project_type ON events (project_id, event_type)")
    for key in NUMERIC_METADATA_KEYS:
        op.execute(
            f"CREATE INDEX ix_events_metadata_{key} ON events "
            f"(project_id, (metadata #> '{{{key}}}'))"
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
    op.execute("DROP INDEX IF EXISTS ix_events_project_type")
