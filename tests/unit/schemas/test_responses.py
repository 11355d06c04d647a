"""The response models that describe events in the OpenAPI document name exactly the stored
event's fields (app/domain/records.py is the one list), with the same types."""

from __future__ import annotations

from typing import get_type_hints

import pytest
from pydantic import BaseModel

from app.domain.records import EVENT_FIELDS, EventRecord
from app.schemas.responses import ProjectedEvent, StoredEvent


@pytest.mark.parametrize("model", [StoredEvent, ProjectedEvent])
def test_event_models_name_every_stored_field(model: type[BaseModel]) -> None:
    assert set(model.model_fields) == set(EVENT_FIELDS)


def test_a_stored_event_has_the_record_types() -> None:
    record = get_type_hints(EventRecord)
    for name, field in StoredEvent.model_fields.items():
        if name == "children_ids":  # ids as stored; the document accepts any JSON list item
            continue
        assert field.annotation == record[name], name
        assert field.is_required(), name


def test_a_projected_event_may_leave_out_any_field() -> None:
    assert not any(field.is_required() for field in ProjectedEvent.model_fields.values())
