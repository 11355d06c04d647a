"""The operator's switch of the `contains` text index (Postgres, migration 0005): its state,
turning it off (the indexes are dropped: cheaper ingest, `contains` on inputs/outputs scans)
and on again (built partition by partition while writes go on). SQLite has no such index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.db.engine import Database
from app.repository.text_index import TEXT_INDEXES, TextIndexRepository

State = Literal["on", "off", "partial", "not applicable"]
# A partition created by maintenance while `on` runs gets its index from the parent; one
# created between listing and attaching is found by the next pass.
_PASSES = 3


@dataclass(frozen=True, slots=True)
class TextIndexStatus:
    """`on`: every index exists on every partition; `off`: none exists; `partial`: an
    interrupted `on` (run it again) or a partly dropped set."""

    backend: str
    state: State
    partitions: int
    partitions_missing: int

    @property
    def note(self) -> str:
        match self.state:
            case "on":
                return "contains on inputs/outputs uses the text index"
            case "off":
                return "contains on inputs/outputs scans the project's events"
            case "partial":
                return "an interrupted `events-api text-index on`: run it again"
            case "not applicable":
                return "SQLite has no text index: contains scans the project's events"


class TextIndexService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def status(self) -> TextIndexStatus:
        if self.db.is_sqlite:
            return TextIndexStatus("sqlite", "not applicable", 0, 0)
        async with self.db.transaction(write=False) as conn:
            state = await TextIndexRepository(conn).state()
        present = [m for m in state.missing.values() if m is not None]
        missing = len({p for m in present for p in m})
        if not present:
            return TextIndexStatus("postgres", "off", state.partitions, state.partitions)
        if len(present) == len(state.missing) and missing == 0:
            return TextIndexStatus("postgres", "on", state.partitions, 0)
        absent = len(present) < len(state.missing)
        return TextIndexStatus(
            "postgres", "partial", state.partitions, state.partitions if absent else missing
        )

    async def turn_off(self) -> TextIndexStatus:
        if not self.db.is_sqlite:
            async with self.db.transaction(write=True) as conn:
                await TextIndexRepository(conn).drop()
        return await self.status()

    async def turn_on(self, progress: Callable[[str], None] | None = None) -> TextIndexStatus:
        """Create each parent index alone, then each partition's with CREATE INDEX
        CONCURRENTLY and attach it; the parent is valid once every partition has one.
        Resumes an interrupted run."""
        if self.db.is_sqlite:
            return await self.status()
        for index in TEXT_INDEXES:
            async with self.db.transaction(write=True) as conn:
                await TextIndexRepository(conn).create_parent_only(index)
            for _ in range(_PASSES):
                async with self.db.transaction(write=False) as conn:
                    missing = await TextIndexRepository(conn).partitions_missing(index)
                if not missing:
                    break
                for partition in missing:
                    if progress is not None:
                        progress(f"building {index} on {partition}")
                    async with self.db.autocommit() as conn:
                        await TextIndexRepository(conn).build_partition_index(index, partition)
                    async with self.db.transaction(write=True) as conn:
                        await TextIndexRepository(conn).attach_partition_index(index, partition)
        return await self.status()
