"""The Citus tests run the project's API tests against the coordinator of a local
two-worker cluster (tests/citus/cluster.py), built with the project's own migrations plus
`events-api citus distribute`. Without Citus (and its source tarball) they skip with the
reason, outside CI; with CI=true they fail instead."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.backends import IN_CI, migrate
from tests.citus.build_citus import CitusUnavailable
from tests.citus.cluster import Cluster, citus_cluster


@pytest.fixture(scope="session")
def citus() -> Iterator[Cluster]:
    manager = citus_cluster()
    try:
        cluster = manager.__enter__()
    except CitusUnavailable as exc:
        if IN_CI:
            pytest.fail(f"CI requires the Citus tests: {exc}", pytrace=False)
        pytest.skip(f"Citus tests skipped: {exc}")
    try:
        yield cluster
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
async def citus_url(citus: Cluster) -> AsyncIterator[str]:
    """The coordinator, migrated and distributed exactly as docs/scaling.md tells users."""
    url = citus.coordinator.url
    await migrate(url)
    script = Path(sys.executable).with_name("events-api")
    done = await asyncio.to_thread(
        subprocess.run,
        [str(script), "citus", "distribute", "--database-url", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    yield url


@pytest.fixture(scope="session", params=["citus"])
async def database_url(citus_url: str) -> AsyncIterator[str]:
    """Every API test imported into this folder runs on the Citus coordinator."""
    yield citus_url


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    """The app on the coordinator. Defined here, not only inherited: pytest caches a session
    fixture by its dependencies' parameter index, so the root `app` of another backend whose
    parameter has the same index would otherwise be handed to these tests."""
    application = create_app(Settings(database_url=database_url))
    yield application
    await application.state.services.db.dispose()
