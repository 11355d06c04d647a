"""End-to-end fixtures: a real uvicorn server per backend, on the migrated test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live_server import LiveServer, live_server


@pytest.fixture(scope="session")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(database_url, tmp_path_factory.mktemp("server")) as running:
        yield running
