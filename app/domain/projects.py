"""Projects: the scope every event belongs to, and the ids a session start reports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

# Namespace of the deterministic ids this server derives (projects, orgs, workspaces).
ID_NAMESPACE: Final[uuid.UUID] = uuid.UUID("6f1d2c1e-8a4b-5b7e-9c3d-2e4f6a8b0c1d")


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    org_id: str
    workspace_id: str


def project_for_name(name: str) -> Project:
    """The project a name maps to; its ids are stable across restarts and machines."""
    return Project(
        id=str(uuid.uuid5(ID_NAMESPACE, f"project:{name}")),
        name=name,
        org_id=str(uuid.uuid5(ID_NAMESPACE, "org:self-hosted")),
        workspace_id=str(uuid.uuid5(ID_NAMESPACE, "workspace:self-hosted")),
    )
