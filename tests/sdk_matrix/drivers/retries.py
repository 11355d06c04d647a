"""Retries on 503, run by the SDK version's own interpreter (not the test's).

The test arms two 503 answers (test mode's `/_test/faults`) before this starts:

* 0.2.40+ (Speakeasy with per-call retries): ``events.create_event`` with the documented
  ``retry_config`` (exponential backoff; retried statuses 429/500/502/503/504);
* 1.x: ``events.export``, which retries 5xx on its own.

Prints the event id the SDK finally got (create) or the events it read (export).
"""

from __future__ import annotations

import os
import time
from typing import Any

from _common import emit, major_minor, step

URL = os.environ["HH_API_URL"]
KEY = os.environ["HH_API_KEY"]
RUN = os.environ["MATRIX_RUN"]


def speakeasy(out: dict[str, Any]) -> None:
    from honeyhive import HoneyHive
    from honeyhive.models import components, operations
    from honeyhive.utils import BackoffStrategy, RetryConfig

    retry = RetryConfig("backoff", BackoffStrategy(100, 1000, 1.5, 20_000), False)
    sdk = HoneyHive(bearer_auth=KEY, server_url=URL, retry_config=retry)

    def create() -> str:
        event = components.CreateEventRequest(
            project="sdk-matrix",
            source="matrix",
            event_name="retried",
            event_type=components.CreateEventRequestEventType.TOOL,
            config={},
            inputs={"q": 1},
            duration=1.0,
            metadata={"run": RUN},
        )
        res = sdk.events.create_event(request=operations.CreateEventRequestBody(event=event))
        return str(res.object.event_id)

    out["event_id"] = step(out, "retries", create)


def v1(out: dict[str, Any]) -> None:
    from honeyhive import HoneyHive
    from honeyhive.models import EventFilter

    client = HoneyHive(api_key=KEY, base_url=URL)

    def export() -> list[str]:
        res = client.events.export(
            filters=[EventFilter(field="metadata.run", operator="is", value=RUN, type="string")]
        )
        return [str(e.event_name) for e in res.events]

    out["events"] = step(out, "retries", export)


def main() -> None:
    out: dict[str, Any] = {"family": "retries"}
    started = time.monotonic()
    if major_minor() >= (1, 0):
        v1(out)
    else:
        speakeasy(out)
    out["elapsed_s"] = time.monotonic() - started
    emit(out)


if __name__ == "__main__":
    main()
