"""Postgres: one bounded text index for `contains` instead of two full-text trigram indexes.

Migration 0003 indexed the whole JSON text of `inputs` and of `outputs` with two trigram GIN
indexes; building their trigrams costs ingest time in proportion to the text's length. They
become one trigram index on the first 2048 characters of the two texts together (most
events fit whole) and a b-tree index that finds the events whose text is longer, which a
`contains` search checks one by one (so it stays exact). The search compiler's
TEXT_INDEX_PREFIX and the repository's TEXT_INDEXES hold the same expressions. Cost on a
large table: building the two new indexes over all rows (writes wait meanwhile). Operators
can drop and rebuild them with `events-api text-index off|on`. SQLite is unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = 2048
TEXT = "(coalesce(inputs::text, '') || ' ' || coalesce(outputs::text, ''))"
INDEXES: dict[str, str] = {
    "ix_events_text_trgm": f"USING gin ((left({TEXT}, {PREFIX})) gin_trgm_ops)",
    # Not partial: ANALYZE keeps statistics of its expression, so the planner knows how
    # few events are longer than the prefix.
    "ix_events_text_long": f"USING btree ((length({TEXT}) > {PREFIX}), project_id)",
}
OLD_INDEXES: dict[str, str] = {
    f"ix_events_{bucket}_trgm": f"USING gin (({bucket}::text) gin_trgm_ops)"
    for bucket in ("inputs", "outputs")
}


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    # Indexes on the partitioned parent are created on (and dropped from) every partition.
    for name in OLD_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON events {definition}")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, definition in OLD_INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON events {definition}")
