"""Response bodies as the server sends them, for the OpenAPI document (the routes build their
answers as plain JSON; these models describe them and are checked against the live server)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    loc: str
    message: str


class ErrorEnvelope(BaseModel):
    """Every refusal and failure: 4xx and 503 (and 500, which is a bug)."""

    model_config = ConfigDict(extra="allow")

    statusCode: int
    message: str
    success: Literal[False]
    errorCode: str
    details: list[ErrorDetail] | None = None


class Created(BaseModel):
    success: Literal[True]
    event_id: str


class BatchCreated(BaseModel):
    success: Literal[True]
    event_ids: list[str]
    session_id: str | None = Field(default=None, description="Only with single_session.")


class SessionEventsAdded(BaseModel):
    success: Literal[True]
    event_ids: list[str]


class StoredEvent(BaseModel):
    """An event as stored and read back."""

    model_config = ConfigDict(extra="allow")

    event_id: str
    project_id: str
    session_id: str
    parent_id: str | None
    event_type: str
    event_name: str
    source: str
    config: dict[str, Any] | None
    inputs: dict[str, Any] | None
    outputs: dict[str, Any] | None
    metadata: dict[str, Any] | None
    feedback: dict[str, Any] | None
    metrics: dict[str, Any] | None
    user_properties: dict[str, Any] | None
    children_ids: list[Any] | None
    error: str | None
    start_time: int
    end_time: int | None
    duration: float | None


class ProjectedEvent(BaseModel):
    """An event of a search or export page: every field, or those of `projections`."""

    model_config = ConfigDict(extra="allow")

    event_id: str | None = None
    project_id: str | None = None
    session_id: str | None = None
    parent_id: str | None = None
    event_type: str | None = None
    event_name: str | None = None
    source: str | None = None
    config: dict[str, Any] | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    feedback: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    user_properties: dict[str, Any] | None = None
    children_ids: list[Any] | None = None
    error: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    duration: float | None = None


class OneEvent(BaseModel):
    event: StoredEvent


class EventPage(BaseModel):
    events: list[ProjectedEvent]
    count: int
    totalEvents: int


class SessionStarted(StoredEvent):
    org_id: str
    workspace_id: str


class TreeNode(StoredEvent):
    children: list[TreeNode]


class SessionTreeRoot(TreeNode):
    num_events: int
    num_model_events: int
    cost: float
    prompt_tokens: float
    completion_tokens: float
    total_tokens: float


class SessionTree(BaseModel):
    session: SessionTreeRoot


class SchemaField(BaseModel):
    name: str
    event_type: str


class FieldSchema(BaseModel):
    fields: list[SchemaField]
    datasets: list[Any]
    mappings: dict[str, Any]


class PartialSuccess(BaseModel):
    rejectedSpans: str | int | None = None
    errorMessage: str | None = None


class ExportTraceResponse(BaseModel):
    """OTLP ExportTraceServiceResponse in JSON (protobuf requests get protobuf)."""

    partialSuccess: PartialSuccess | None = None


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    database: str


class Deleted(BaseModel):
    success: bool
    deleted: int


class DeletedMatching(Deleted):
    dry_run: bool
    count: int
