"""API queries run under EVENTS_STATEMENT_TIMEOUT_S on Postgres; a query cancelled by it is
answered 503 QUERY_TIMEOUT with Retry-After, and migrations get the longer maintenance one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from app.api.boundary import failure_response
from app.db.engine import server_statement_timeout
from app.db.retry import classify
from tests.apps import running_app


async def test_api_connections_carry_the_statement_timeout(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no statement timeout (docs/operations.md)")
    async with running_app(database_url, statement_timeout_s=0.2) as app:
        db = app.state.services.db
        async with db.transaction(write=False) as conn:
            shown = (await conn.execute(sa.text("SHOW statement_timeout"))).scalar_one()
        assert shown == "200ms"
        with pytest.raises(sa_exc.DBAPIError) as caught:
            async with db.transaction(write=False) as conn:
                await conn.execute(sa.text("SELECT pg_sleep(2)"))
    assert classify(caught.value) == "query_timeout"
    answer = failure_response(caught.value, retry_after_s=5)
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert b'"errorCode":"QUERY_TIMEOUT"' in answer.body


def test_maintenance_timeout_is_separate() -> None:
    assert server_statement_timeout(3600) == {"statement_timeout": "3600000"}
    assert server_statement_timeout(0) == {}
