"""SQL of the `contains` text index on Postgres (migration 0005): its state, dropping it, and
building it again partition by partition without blocking writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.repository.search_sql import TEXT_INDEX_PREFIX

# The text index of migration 0005 on the partitioned `events`, as the search compiler's
# `text_index_prefilter` reads it: a trigram index on the first TEXT_INDEX_PREFIX characters
# of the JSON text of inputs and outputs together, and an index that finds the events whose
# text is longer. Name -> "USING method (columns) [WHERE predicate]".
_TEXT: Final = "(coalesce(inputs::text, '') || ' ' || coalesce(outputs::text, ''))"
TEXT_INDEXES: Final[dict[str, str]] = {
    "ix_events_text_trgm": f"USING gin ((left({_TEXT}, {TEXT_INDEX_PREFIX})) gin_trgm_ops)",
    # Not partial: ANALYZE keeps statistics of its expression, so that the planner knows
    # how few events are longer than the prefix.
    "ix_events_text_long": f"USING btree ((length({_TEXT}) > {TEXT_INDEX_PREFIX}), project_id)",
}


@dataclass(frozen=True, slots=True)
class TextIndexState:
    """Per index of TEXT_INDEXES: None when the parent index is absent, else the partitions
    of events that have no index attached to it (the parent is valid when there is none)."""

    partitions: int
    missing: dict[str, tuple[str, ...] | None]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _partition_index(partition: str, index: str) -> str:
    """`events_p20261202_text_trgm` for the partition's index of `ix_events_text_trgm`."""
    return _quoted(partition + index.removeprefix("ix_events"))


class TextIndexRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def state(self) -> TextIndexState:
        partitions = await self.partitions()
        missing: dict[str, tuple[str, ...] | None] = {}
        for index in TEXT_INDEXES:
            exists = await self.conn.execute(
                sa.text("SELECT 1 FROM pg_class WHERE oid = to_regclass(:name)"), {"name": index}
            )
            if exists.scalar_one_or_none() is None:
                missing[index] = None
            else:
                missing[index] = tuple(await self.partitions_missing(index))
        return TextIndexState(partitions=len(partitions), missing=missing)

    async def partitions(self) -> list[str]:
        sql = (
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass('events') ORDER BY c.relname"
        )
        return [str(n) for n in (await self.conn.execute(sa.text(sql))).scalars()]

    async def partitions_missing(self, index: str) -> list[str]:
        """Partitions of events with no index attached to the parent index ``index``."""
        sql = (
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass('events') AND NOT EXISTS ("
            "SELECT 1 FROM pg_inherits x JOIN pg_index pi ON pi.indexrelid = x.inhrelid "
            "WHERE x.inhparent = to_regclass(:index) AND pi.indrelid = c.oid) "
            "ORDER BY c.relname"
        )
        rows = await self.conn.execute(sa.text(sql), {"index": index})
        return [str(n) for n in rows.scalars()]

    async def drop(self) -> None:
        """Drop the indexes, with those of every partition (a short exclusive lock on
        events: give up rather than queue every write behind a long statement)."""
        await self.conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
        for index in TEXT_INDEXES:
            await self.conn.execute(sa.text(f"DROP INDEX IF EXISTS {index}"))

    async def create_parent_only(self, index: str) -> None:
        """The parent index alone, invalid until every partition's index is attached; a
        partition created meanwhile gets its own index from it."""
        await self.conn.execute(
            sa.text(f"CREATE INDEX IF NOT EXISTS {index} ON ONLY events {TEXT_INDEXES[index]}")
        )

    async def build_partition_index(self, index: str, partition: str) -> None:
        """CREATE INDEX CONCURRENTLY on one partition, writes going on meanwhile; needs an
        autocommit connection. A left-over of an interrupted build (invalid) goes first."""
        name = _partition_index(partition, index)
        await self.conn.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
        await self.conn.execute(
            sa.text(
                f"CREATE INDEX CONCURRENTLY {name} ON {_quoted(partition)} {TEXT_INDEXES[index]}"
            )
        )

    async def attach_partition_index(self, index: str, partition: str) -> None:
        name = _partition_index(partition, index)
        await self.conn.execute(sa.text(f"ALTER INDEX {index} ATTACH PARTITION {name}"))
