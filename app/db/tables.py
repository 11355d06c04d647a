"""SQLAlchemy Core table definitions: the database schema both backends share."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata_obj = sa.MetaData()

# JSON buckets are JSONB on Postgres and JSON text on SQLite.
JsonColumn = sa.JSON().with_variant(JSONB(), "postgresql")
# Ids compare and sort by code point on both backends ("C" collation on Postgres), so
# that ORDER BY start_time DESC, event_id DESC pages identically and uses the index.
IdColumn = sa.String(256).with_variant(sa.String(256, collation="C"), "postgresql")

projects = sa.Table(
    "projects",
    metadata_obj,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(256), nullable=False, unique=True),
    sa.Column("org_id", sa.String(64), nullable=False),
    sa.Column("workspace_id", sa.String(64), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

events = sa.Table(
    "events",
    metadata_obj,
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
    # Unix milliseconds.
    sa.Column("start_time", sa.BigInteger, nullable=False),
    sa.Column("end_time", sa.BigInteger, nullable=True),
    # Milliseconds, fractional allowed.
    sa.Column("duration", sa.Float(precision=53), nullable=True),
    # On Postgres the events table is partitioned by start_time (migration 0004), its primary
    # key is (project_id, event_id, start_time) and `event_ids` keeps ids unique.
    sa.PrimaryKeyConstraint("project_id", "event_id", name="pk_events"),
    # On Postgres, migration 0003 adds generated columns (metadata_cost, ...) that the filter
    # compiler uses; they are not declared here, so build real databases with the migrations.
)

# Postgres only (migration 0004): one narrow row per event, unpartitioned, so that
# (project_id, event_id) is unique across the time partitions of `events`, and a look-up by
# id finds the start_time that names the event's partition.
event_ids = sa.Table(
    "event_ids",
    metadata_obj,
    sa.Column("project_id", sa.String(64), nullable=False),
    sa.Column("event_id", IdColumn, nullable=False),
    sa.Column("start_time", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("project_id", "event_id", name="pk_event_ids"),
    sa.Index("ix_event_ids_project_time", "project_id", "start_time"),
)

# API keys (auth mode "keys"): only the SHA-256 of a key is stored, never the key.
api_keys = sa.Table(
    "api_keys",
    metadata_obj,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("label", sa.String(256), nullable=True),
    # Lowercase hex SHA-256 of the whole key; keys are found through its unique index.
    sa.Column("key_hash", sa.String(64), nullable=False),
    # The first characters of the key, shown by `keys list` to tell keys apart.
    sa.Column("prefix", sa.String(16), nullable=False),
    # Unix milliseconds.
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.BigInteger, nullable=True),
    sa.Index("ux_api_keys_key_hash", "key_hash", unique=True),
    sa.Index("ix_api_keys_project", "project_id"),
)
