"""Legacy model events (`POST /events/model`): remapping their fields onto a model event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

# Legacy model-event keys that the server moves into `inputs.<same name>`.
TO_INPUTS: Final[tuple[str, ...]] = (
    "messages",
    "provider",
    "usage",
    "cost",
    "hyperparameters",
    "template",
    "template_inputs",
    "tools",
    "tool_choice",
    "response_format",
    "duration",
    "error",
)
# Event fields kept as they are.
KEPT: Final[tuple[str, ...]] = (
    "event_id",
    "session_id",
    "parent_id",
    "event_name",
    "source",
    "children_ids",
    "config",
    "metadata",
    "feedback",
    "metrics",
    "user_properties",
    "start_time",
    "end_time",
)


def remap_model_event(model_event: Mapping[str, Any]) -> dict[str, Any]:
    """The create fields of a model event: `model` is an alias of `model_name`; the legacy
    keys of TO_INPUTS go to `inputs`, `response` to `outputs.response`; `model_name`
    and `model_version` go to `metadata`; `model_name` also names the event when it has
    no `event_name`, and sets `config.model`."""
    fields: dict[str, Any] = {key: model_event[key] for key in KEPT if key in model_event}
    fields["event_type"] = "model"
    inputs = dict(model_event.get("inputs") or {})
    for key in TO_INPUTS:
        if model_event.get(key) is not None:
            inputs[key] = model_event[key]
    fields["inputs"] = inputs
    outputs = model_event.get("outputs")
    if model_event.get("response") is not None:
        outputs = dict(outputs) if isinstance(outputs, dict) else {}
        outputs["response"] = model_event["response"]
    fields["outputs"] = outputs
    model_name = model_event.get("model_name") or model_event.get("model")
    metadata = dict(model_event.get("metadata") or {})
    extra = {"model_name": model_name, "model_version": model_event.get("model_version")}
    metadata.update({key: value for key, value in extra.items() if value is not None})
    fields["metadata"] = metadata or None
    if model_name:
        fields["config"] = {"model": model_name, **(model_event.get("config") or {})}
        if not fields.get("event_name"):
            fields["event_name"] = model_name
    return fields
