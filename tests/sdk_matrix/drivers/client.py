"""REST client scenarios, run by the SDK version's own interpreter (not the test's).

Each step uses the call a user of that line would make, and prints what the SDK itself
returned (ids, what it parsed); the test checks what the server stored.

* 0.1.x / 0.2.x (Speakeasy clients): ``HoneyHive(bearer_auth=, server_url=)``,
  ``session.start_session`` / ``session.get_session``, ``events.create_event`` /
  ``update_event``, batches (0.1.x ``session.process_event_trace``, 0.2.x
  ``events.create_event_batch``), 0.2.x ``events.get_events`` (export).
* 1.x: ``HoneyHive(api_key=, base_url=)``, ``sessions.start``, ``events.create`` /
  ``update`` / ``create_batch`` / ``export``, and the generated ``searchEvents``.

Usage: client.py  (HH_API_URL, HH_API_KEY and MATRIX_RUN in the environment)
"""

from __future__ import annotations

import os
from typing import Any

from _common import emit, major_minor, step

URL = os.environ["HH_API_URL"]
KEY = os.environ["HH_API_KEY"]
RUN = os.environ["MATRIX_RUN"]  # a unique tag: the test finds the events by it
PROJECT = "sdk-matrix"


def speakeasy(out: dict[str, Any]) -> None:
    from honeyhive import HoneyHive
    from honeyhive.models import components, operations

    old = major_minor() < (0, 2)
    sdk = HoneyHive(bearer_auth=KEY, server_url=URL)

    def start() -> str:
        res = sdk.session.start_session(
            request=operations.StartSessionRequestBody(
                session=components.SessionStartRequest(
                    project=PROJECT,
                    session_name="matrix-client",
                    source="matrix",
                    metadata={"run": RUN},
                    user_properties={"user": "u1"},
                )
            )
        )
        return str(res.object.session_id)

    sid = out["session_id"] = step(out, "session_start", start)

    def get_session() -> dict[str, Any]:
        event = sdk.session.get_session(session_id=sid).event
        return {
            "event_id": event.event_id,
            "event_type": getattr(event.event_type, "value", event.event_type),
            "event_name": event.event_name,
            "metadata": event.metadata,
        }

    out["get_session"] = step(out, "get_session", get_session)

    def event(name: str, **fields: Any) -> Any:
        body: dict[str, Any] = {
            "project": PROJECT,
            "source": "matrix",
            "event_name": name,
            "event_type": components.CreateEventRequestEventType.TOOL,
            "config": {"model": "m"},
            "inputs": {"q": name},
            "duration": 5.0,
            "session_id": sid,
            "metadata": {"run": RUN},
            **fields,
        }
        if old:  # 0.1.x types inputs as a dataclass of its own
            body["inputs"] = components.CreateEventRequestInputs(
                additional_properties=body["inputs"]
            )
        return components.CreateEventRequest(**body)

    def create() -> str:
        res = sdk.events.create_event(
            request=operations.CreateEventRequestBody(event=event("created"))
        )
        return str(res.object.event_id)

    created = out["created_id"] = step(out, "create", create)

    def update() -> int:
        res = sdk.events.update_event(
            request=operations.UpdateEventRequestBody(
                event_id=created, metadata={"updated": True}, outputs={"answer": 42}
            )
        )
        return int(res.status_code)

    out["update_status"] = step(out, "update", update)

    def batch() -> Any:
        if old:
            logs = [
                components.Event(
                    event_type=components.EventType.TOOL,
                    event_name=f"batch-{i}",
                    source="matrix",
                    inputs=components.Inputs(additional_properties={"i": i}),
                    metadata={"run": RUN},
                )
                for i in range(2)
            ]
            res = sdk.session.process_event_trace(
                session_id=sid, request_body=operations.ProcessEventTraceRequestBody(logs=logs)
            )
            return int(res.status_code)
        res = sdk.events.create_event_batch(
            request=operations.CreateEventBatchRequestBody(
                events=[event(f"batch-{i}", inputs={"i": i}) for i in range(2)]
            )
        )
        return list(res.object.event_ids)

    out["batch"] = step(out, "batch", batch)

    if old:
        return  # 0.1.x has no way to read events back but get_session

    def export() -> list[str]:
        res = sdk.events.get_events(
            request=operations.GetEventsRequestBody(
                project=PROJECT,
                filters=[
                    components.EventFilter(
                        field="metadata.run",
                        value=RUN,
                        operator=components.Operator.IS,
                        type=components.Type.STRING,
                    )
                ],
            )
        )
        return sorted(str(e.event_name) for e in res.object.events)

    out["export"] = step(out, "export", export)


def v1(out: dict[str, Any]) -> None:
    from honeyhive import HoneyHive
    from honeyhive._generated import models as gen
    from honeyhive._generated.api_config import APIConfig
    from honeyhive._generated.services import Events_service
    from honeyhive.models import (
        EventFilter,
        PostEventBatchRequest,
        PostEventRequest,
        StartSessionRequest,
        UpdateEventRequest,
    )

    client = HoneyHive(api_key=KEY, base_url=URL)

    def start() -> str:
        res = client.sessions.start(
            StartSessionRequest(
                session={
                    "project": PROJECT,
                    "session_name": "matrix-client",
                    "source": "matrix",
                    "metadata": {"run": RUN},
                    "user_properties": {"user": "u1"},
                }
            )
        )
        return str(res.session_id)

    sid = out["session_id"] = step(out, "session_start", start)

    def event(name: str, **fields: Any) -> dict[str, Any]:
        return {
            "project": PROJECT,
            "source": "matrix",
            "event_name": name,
            "event_type": "tool",
            "config": {"model": "m"},
            "inputs": {"q": name},
            "duration": 5.0,
            "session_id": sid,
            "metadata": {"run": RUN},
            **fields,
        }

    created = out["created_id"] = step(
        out, "create", lambda: client.events.create(PostEventRequest(event=event("created")))
    )
    if created is not None:
        created = out["created_id"] = str(created.event_id)

    def update() -> Any:
        return client.events.update(
            UpdateEventRequest(event_id=created, metadata={"updated": True}, outputs={"answer": 42})
        )

    step(out, "update", update)

    def batch() -> list[str]:
        res = client.events.create_batch(
            PostEventBatchRequest(events=[event(f"batch-{i}", inputs={"i": i}) for i in range(2)])
        )
        return [str(i) for i in res.event_ids]

    out["batch"] = step(out, "batch", batch)

    def export() -> list[str]:
        res = client.events.export(
            filters=[EventFilter(field="metadata.run", operator="is", value=RUN, type="string")]
        )
        return sorted(str(e.event_name) for e in res.events)

    out["export"] = step(out, "export", export)

    def search() -> list[str]:
        res = Events_service.searchEvents(
            APIConfig(base_path=URL, access_token=KEY),
            data=gen.SearchEventsRequest(
                filters=[
                    gen.EventSearchFilter(
                        field="metadata.run", operator="is", value=RUN, type="string"
                    )
                ],
                limit=100,
            ),
        )
        return sorted(str(e.event_name) for e in res.events)

    out["search"] = step(out, "search", search)


def main() -> None:
    out: dict[str, Any] = {"family": "client"}
    if major_minor() >= (1, 0):
        v1(out)
    else:
        speakeasy(out)
    emit(out)


if __name__ == "__main__":
    main()
