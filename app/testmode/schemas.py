"""Request body of POST /_test/faults."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.testmode.captures import is_test_route

MAX_FAULT_COUNT = 100_000
MAX_FAULT_DELAY_MS = 60_000
MAX_RETRY_AFTER_S = 86_400


class FaultBody(BaseModel):
    """Arm a failure for the next ``count`` requests of the caller's project whose method
    and path match: answer ``status`` (in the error envelope) and/or wait ``delay_ms``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    method: Annotated[str, Field(pattern=r"^(\*|[A-Za-z]{1,16})$")] = Field(
        default="*", description="HTTP method (any case), or * for any."
    )
    path: Annotated[str, Field(min_length=1, max_length=1024)] = Field(
        description="fnmatch pattern over the request path, e.g. /v1/events/* ."
    )
    status: Annotated[int, Field(ge=400, le=599)] | None = Field(
        default=None, description="Status to answer (400..599); omitted: only delay."
    )
    count: Annotated[int, Field(ge=1, le=MAX_FAULT_COUNT)] = 1
    retry_after_s: Annotated[int, Field(ge=0, le=MAX_RETRY_AFTER_S)] | None = Field(
        default=None, description="Retry-After to send (default 1 for 429 and 503)."
    )
    delay_ms: Annotated[int, Field(ge=0, le=MAX_FAULT_DELAY_MS)] = 0

    @model_validator(mode="after")
    def _does_something(self) -> FaultBody:
        if not self.path.startswith(("/", "*", "?", "[")):
            raise ValueError("path must be a pattern of request paths, starting with '/'")
        if is_test_route(self.path) or self.path.startswith("/_test"):
            raise ValueError("the /_test routes cannot be made to fail")
        if self.status is None and self.delay_ms == 0:
            raise ValueError("give status, delay_ms, or both")
        return self
