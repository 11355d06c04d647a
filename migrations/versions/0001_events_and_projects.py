"""Events and projects tables, with the indexes that search uses.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JsonColumn = sa.JSON().with_variant(JSONB(), "postgresql")
# Ids compare and sort by code point on both backends ("C" collation on Postgres), so
# that ORDER BY start_time DESC, event_id DESC pages identically and uses the index.
IdColumn = sa.String(256).with_variant(sa.String(256, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False, unique=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("event_id", IdColumn, nullable=False),
        sa.Column("session_id", IdColumn, nullable=False),
        sa.Column("parent_id", IdColumn, nullable=True),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("event_name", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("config", JsonColumn, nullable=True),
        sa.Column("inputs", JsonColumn, nullable=True),
        sa.Column("outputs", JsonColumn, nullable=True),
        sa.Column("metadata", JsonColumn, nullable=True),
        sa.Column("feedback", JsonColumn, nullable=True),
        sa.Column("metrics", JsonColumn, nullable=True),
        sa.Column("user_properties", JsonColumn, nullable=True),
        sa.Column("children_ids", JsonColumn, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("start_time", sa.BigInteger, nullable=False),
        sa.Column("end_time", sa.BigInteger, nullable=True),
        sa.Column("duration", sa.Float(precision=53), nullable=True),
        sa.PrimaryKeyConstraint("project_id", "event_id", name="pk_events"),
    )
    op.create_index(
        "ix_events_project_time",
        "events",
        ["project_id", sa.text("start_time DESC"), sa.text("event_id DESC")],
    )
    op.create_index("ix_events_project_session", "events", ["project_id", "session_id"])
    op.create_index(
        "ix_events_project_type_time",
        "events",
        ["project_id", "event_type", sa.text("start_time DESC"), sa.text("event_id DESC")],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_events_metadata_gin",
            "events",
            ["metadata"],
            postgresql_using="gin",
            postgresql_ops={"metadata": "jsonb_path_ops"},
        )


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("projects")
