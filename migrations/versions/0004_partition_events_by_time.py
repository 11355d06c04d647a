"""Postgres: events partitioned by start_time; event ids unique through the event_ids table.

The existing events table becomes the DEFAULT partition of a new partitioned `events` (no
event row is copied); its indexes are adopted by the parent's equal indexes. Uniqueness of
(project_id, event_id) moves to the narrow, unpartitioned `event_ids` table (a unique
constraint on a partitioned table must include the partition key), filled from the existing
rows. Cost on a large table: one pass over the rows to fill `event_ids` and build its two
indexes, and one build of the (project_id, event_id, start_time) primary key index of the
default partition, under an exclusive lock on `events`. See docs/storage.md.
SQLite is unchanged. Written without introspection so that `migrate --sql` prints it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMERIC_METADATA_KEYS = ("cost", "prompt_tokens", "completion_tokens", "total_tokens")
# The secondary indexes of migrations 0001 and 0003: name -> "USING method (columns)".
INDEXES: dict[str, str] = {
    "ix_events_project_time": "USING btree (project_id, start_time DESC, event_id DESC)",
    "ix_events_project_session": "USING btree (project_id, session_id)",
    "ix_events_project_type_time": (
        "USING btree (project_id, event_type, start_time DESC, event_id DESC)"
    ),
    "ix_events_metadata_gin": "USING gin (metadata jsonb_path_ops)",
    "ix_events_project_type": "USING btree (project_id, event_type)",
    **{
        f"ix_events_metadata_{key}": (
            f"USING btree (project_id, metadata_{key}) INCLUDE (start_time, event_id)"
        )
        for key in NUMERIC_METADATA_KEYS
    },
    **{
        f"ix_events_{bucket}_trgm": f"USING gin (({bucket}::text) gin_trgm_ops)"
        for bucket in ("inputs", "outputs")
    },
}
# Stored (non-generated) columns, for the downgrade's copy.
COLUMNS = (
    "project_id, event_id, session_id, parent_id, event_type, event_name, source, config, "
    "inputs, outputs, metadata, feedback, metrics, user_properties, children_ids, error, "
    "start_time, end_time, duration"
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
    op.execute("ALTER TABLE events RENAME TO events_default")
    op.execute("ALTER TABLE events_default DROP CONSTRAINT pk_events")
    for name in INDEXES:
        partition_index = name.replace("ix_events_", "events_default_", 1)
        op.execute(f"ALTER INDEX {name} RENAME TO {partition_index}")
    # LIKE copies the columns with their collations, NOT NULLs and generated expressions.
    op.execute(
        "CREATE TABLE events (LIKE events_default INCLUDING DEFAULTS INCLUDING GENERATED) "
        "PARTITION BY RANGE (start_time)"
    )
    op.execute(
        "ALTER TABLE events ADD CONSTRAINT pk_events "
        "PRIMARY KEY (project_id, event_id, start_time)"
    )
    # Equal indexes on the parent: ATTACH adopts the partition's instead of building them.
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON events {definition}")
    op.execute("ALTER TABLE events ATTACH PARTITION events_default DEFAULT")
    op.execute(
        "CREATE TABLE event_ids (project_id varchar(64) NOT NULL, "
        'event_id varchar(256) COLLATE "C" NOT NULL, start_time bigint NOT NULL)'
    )
    op.execute(
        "INSERT INTO event_ids (project_id, event_id, start_time) "
        "SELECT project_id, event_id, start_time FROM events_default"
    )
    op.execute(
        "ALTER TABLE event_ids ADD CONSTRAINT pk_event_ids PRIMARY KEY (project_id, event_id)"
    )
    op.execute("CREATE INDEX ix_event_ids_project_time ON event_ids (project_id, start_time)")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
    op.execute("CREATE TABLE events_flat (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED)")
    # A maintenance statement (docs/storage.md): it copies every project's rows.
    op.execute(
        f"/* maintenance */ INSERT INTO events_flat ({COLUMNS}) SELECT {COLUMNS} FROM events"
    )
    op.execute("DROP TABLE events CASCADE")
    op.execute("DROP TABLE event_ids")
    op.execute("ALTER TABLE events_flat RENAME TO events")
    op.execute("ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY (project_id, event_id)")
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON events {definition}")
