"""The HTTP ceiling of the ratio benchmark: FastAPI validating an event, with no database.

A minimal app (no middleware, no database) whose `POST /v1/events` reads the raw body and
validates it exactly as the real route does (``JsonBody[V1Event]``: media type, size limit,
JSON limits, the same pydantic model, ``model_dump``) and answers what the real route answers
(200, ``{"success": true, "event_id": ...}``). It is served like `events-api serve` serves the
real app: uvicorn, one worker, the default loop, the same httptools protocol class.

    .venv/bin/python -m bench.ceiling --port 8099
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import httpx
from fastapi import FastAPI

from app.api.body import JsonBody
from app.api.responses import JsonResponse
from app.schemas.events import V1Event
from app.settings import Settings
from events_api_launcher import free_port, stop_server

ROOT = Path(__file__).resolve().parents[1]
# What `events-api serve` passes to uvicorn.run (app/cli/server.py).
HTTP_PROTOCOL = "app.api.slow_clients:DeadlineHttpToolsProtocol"


def create_ceiling_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    # JsonBody reads the body size limit from the services' settings, as in the real app.
    app.state.services = SimpleNamespace(settings=Settings())

    @app.post("/v1/events")
    async def create_event(event: JsonBody[V1Event]) -> JsonResponse:
        fields = event.model_dump()
        return JsonResponse({"success": True, "event_id": fields["event_id"] or str(uuid.uuid4())})

    @app.get("/readyz")
    async def ready() -> JsonResponse:
        return JsonResponse({"status": "ok"})

    return app


@contextlib.asynccontextmanager
async def ceiling_server() -> AsyncIterator[tuple[str, int]]:
    """This app in its own process on a free loopback port; yields (base URL, pid)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.ceiling", "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"bench.ceiling did not start:\n{log.read().decode()}")
                try:
                    async with httpx.AsyncClient() as client:
                        if (await client.get(f"{url}/readyz", timeout=2)).status_code == 200:
                            break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
            yield url, process.pid
        finally:
            await asyncio.to_thread(stop_server, process, 10)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_ceiling_app(),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        workers=1,
        http=HTTP_PROTOCOL,
    )


if __name__ == "__main__":
    main()
