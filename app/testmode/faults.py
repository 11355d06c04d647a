"""Test mode: failures armed for the next requests of a project (no I/O)."""

from __future__ import annotations

import fnmatch
import itertools
from dataclasses import dataclass, replace
from typing import Any, Final

# Statuses answered with Retry-After when the fault does not say how long.
RETRY_AFTER_STATUSES: Final[frozenset[int]] = frozenset({429, 503})
DEFAULT_RETRY_AFTER_S: Final[int] = 1


@dataclass(frozen=True, slots=True)
class Fault:
    """Answer ``status`` (or only wait ``delay_ms`` when status is None) to the next
    ``remaining`` requests of ``project_id`` whose method and path match."""

    id: int
    project_id: str
    method: str  # upper case, or "*" for any
    path: str  # fnmatch pattern over the request path
    status: int | None
    remaining: int
    retry_after_s: int | None
    delay_ms: int

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method.upper())) and fnmatch.fnmatchcase(path, self.path)

    @property
    def retry_after(self) -> int | None:
        """The Retry-After seconds to send, if any."""
        if self.retry_after_s is not None:
            return self.retry_after_s
        return DEFAULT_RETRY_AFTER_S if self.status in RETRY_AFTER_STATUSES else None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "remaining": self.remaining,
            "retry_after_s": self.retry_after,
            "delay_ms": self.delay_ms,
        }


class FaultRegistry:
    """Armed faults of every project, first armed first used."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    @property
    def armed(self) -> bool:
        return bool(self._faults)

    def arm(
        self,
        project_id: str,
        *,
        method: str,
        path: str,
        status: int | None,
        count: int,
        retry_after_s: int | None,
        delay_ms: int,
    ) -> Fault:
        fault = Fault(
            id=next(self._ids),
            project_id=project_id,
            method=method.upper(),
            path=path,
            status=status,
            remaining=count,
            retry_after_s=retry_after_s,
            delay_ms=delay_ms,
        )
        self._faults.append(fault)
        return fault

    def take(self, project_id: str, method: str, path: str) -> Fault | None:
        """Use up one turn of the first matching fault (no await in here: atomic on the
        event loop); the fault as it was before this turn, or None."""
        for index, fault in enumerate(self._faults):
            if fault.project_id == project_id and fault.matches(method, path):
                if fault.remaining <= 1:
                    del self._faults[index]
                else:
                    self._faults[index] = replace(fault, remaining=fault.remaining - 1)
                return fault
        return None

    def list(self, project_id: str) -> list[Fault]:
        return [fault for fault in self._faults if fault.project_id == project_id]

    def clear(self, project_id: str) -> int:
        kept = [fault for fault in self._faults if fault.project_id != project_id]
        removed = len(self._faults) - len(kept)
        self._faults = kept
        return removed
