"""Request bodies of the event, batch and session routes (strict v1 and lenient legacy)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.domain.json_limits import check_json_limits
from app.domain.records import MAX_TIME_MS, MIN_TIME_MS, EventType

Millis = Annotated[float, Field(strict=True, ge=MIN_TIME_MS, le=MAX_TIME_MS, allow_inf_nan=False)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Id = Annotated[str, Field(min_length=1, max_length=256)]
JsonObject = dict[str, Any]


def _decode_json_text(value: Any) -> Any:
    """Older clients send a wrapped object as a JSON-encoded string: accept both."""
    if isinstance(value, str):
        try:
            decoded = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"is a string that is not JSON ({exc})") from exc
        check_json_limits(decoded)
        return decoded
    return value


class _EventFields(BaseModel):
    """Fields shared by every event create body."""

    event_id: Id | None = None
    session_id: Id | None = None
    parent_id: Id | None = None
    event_name: str | None = None
    source: str | None = None
    project_id: str | None = None
    children_ids: list[str] | None = None
    config: JsonObject | None = None
    outputs: Any = None
    metadata: JsonObject | None = None
    feedback: JsonObject | None = None
    metrics: JsonObject | None = None
    user_properties: JsonObject | None = None
    error: str | None = None
    start_time: Millis | None = None
    end_time: Millis | None = None
    duration: Number | None = None


class V1Event(_EventFields):
    """`POST /v1/events`, items of `POST /v1/events/batch`: unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")

    event_type: EventType
    inputs: JsonObject


class LegacyEvent(_EventFields):
    """The inner event of `POST /events` and items of `POST /events/batch`: extra keys
    (and the deprecated `project`) are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    event_type: EventType
    inputs: JsonObject
    project: str | None = None


class LooseLegacyEvent(_EventFields):
    """Items of `POST /session/{id}/traces`: as legacy, and `inputs` may be missing."""

    model_config = ConfigDict(extra="ignore")

    event_type: EventType
    inputs: JsonObject | None = None
    project: str | None = None


class LegacyCreateBody(BaseModel):
    """`POST /events`: ``{"event": {...}}`` (the event may be a JSON-encoded string)."""

    model_config = ConfigDict(extra="ignore")

    event: LegacyEvent

    _decode = field_validator("event", mode="before")(_decode_json_text)


class SessionProperties(BaseModel):
    """`session_properties` of a batch, and the body of a session start."""

    model_config = ConfigDict(extra="ignore")

    session_id: str | None = None
    session_name: str | None = None
    event_name: str | None = None
    source: str | None = None
    project: str | None = None
    project_id: str | None = None
    config: JsonObject | None = None
    inputs: JsonObject | None = None
    outputs: Any = None
    metadata: JsonObject | None = None
    feedback: JsonObject | None = None
    metrics: JsonObject | None = None
    user_properties: JsonObject | None = None
    children_ids: list[str] | None = None
    error: str | None = None
    # Sessions tolerate non-numeric times (the server then uses the current time).
    start_time: Any = None
    end_time: Any = None
    duration: Any = None


class V1BatchBody(BaseModel):
    """`POST /v1/events/batch`: strict, no legacy aliases."""

    model_config = ConfigDict(extra="forbid")

    events: list[V1Event]
    single_session: bool = False
    session_properties: SessionProperties | None = None


class _LegacySessionAliases(BaseModel):
    """Legacy batch keys: `is_single_session` aliases `single_session`, and `session`
    aliases `session_properties`."""

    single_session: bool | None = None
    is_single_session: bool | None = None
    session_properties: SessionProperties | None = None
    session: SessionProperties | None = None

    @property
    def wants_single_session(self) -> bool:
        return bool(self.single_session or self.is_single_session)

    @property
    def session_fields(self) -> SessionProperties | None:
        return self.session_properties or self.session


class LegacyBatchBody(_LegacySessionAliases):
    """`POST /events/batch`: also `is_single_session` and `session` (aliases)."""

    model_config = ConfigDict(extra="ignore")

    events: list[LegacyEvent]


class SessionBatchBody(BaseModel):
    """`POST /v1/sessions/{session_id}/events/batch`: strict."""

    model_config = ConfigDict(extra="forbid")

    events: list[V1Event]


class SessionTracesBody(BaseModel):
    """`POST /session/{session_id}/traces`: exactly one of `events` or `logs`."""

    model_config = ConfigDict(extra="ignore")

    events: list[LooseLegacyEvent] | None = None
    logs: list[LooseLegacyEvent] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SessionTracesBody:
        if (self.events is None) == (self.logs is None):
            raise ValueError("exactly one of 'events' or 'logs' must be given")
        return self

    @property
    def items(self) -> list[LooseLegacyEvent]:
        return self.events if self.events is not None else (self.logs or [])


class LegacySessionStartBody(BaseModel):
    """`POST /session/start`: ``{"session": {...}}``."""

    model_config = ConfigDict(extra="ignore")

    session: SessionProperties

    _decode = field_validator("session", mode="before")(_decode_json_text)


class UpdateFields(BaseModel):
    """The fields an update may change (see app.domain.merge); other keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    metadata: JsonObject | None = None
    feedback: JsonObject | None = None
    metrics: JsonObject | None = None
    config: JsonObject | None = None
    user_properties: JsonObject | None = None
    outputs: Any = None
    duration: Number | None = None
    end_time: Millis | None = None
    children_ids: list[str] | None = None


class LegacyUpdateBody(UpdateFields):
    """`PUT /events`: the event id travels in the body."""

    event_id: Id


class ModelEvent(_EventFields):
    """A legacy model event (`POST /events/model`); see app.domain.model_events. Keys
    beyond the event fields (`messages`, `response`, `usage`, ...) are kept for remapping."""

    model_config = ConfigDict(extra="allow")

    inputs: JsonObject | None = None
    project: str | None = None
    model: str | None = None
    model_name: str | None = None


class ModelCreateBody(BaseModel):
    """`POST /events/model`."""

    model_config = ConfigDict(extra="ignore")

    model_event: ModelEvent


class ModelBatchBody(_LegacySessionAliases):
    """`POST /events/model/batch`."""

    model_config = ConfigDict(extra="ignore")

    model_events: list[ModelEvent]
