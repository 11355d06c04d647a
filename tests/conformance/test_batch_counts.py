"""The counts a batch answer adds (`created`, `already_existed`) are extra keys the real SDK
1.7.0 accepts: its batch calls still parse the answer, and the counts are readable on it."""

from __future__ import annotations

import uuid

import pytest
from honeyhive import HoneyHive
from honeyhive._generated import models as v1
from honeyhive._generated.api_config import APIConfig
from honeyhive._generated.services import Events_service
from honeyhive.models import PostEventBatchRequest

from tests.live_server import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_sdk_batch_calls_parse_answers_with_counts(
    conformance_server: LiveServer, api_key: str
) -> None:
    own = str(uuid.uuid4())
    client = HoneyHive(api_key=api_key, base_url=conformance_server.url)
    legacy = client.events.create_batch(
        PostEventBatchRequest(
            events=[{"event_type": "tool", "event_id": own, "inputs": {}}],
            is_single_session=True,
        )
    )
    assert legacy.success is True and legacy.event_ids == [own] and legacy.session_id
    assert legacy.model_extra == {"created": 1, "already_existed": 0}

    cfg = APIConfig(base_path=conformance_server.url, access_token=api_key)
    again = Events_service.createEventBatch(
        cfg,
        data=v1.PostEventBatchRequest(
            events=[
                v1.PostEventRequest(event_type="tool", event_id=own, inputs={}),
                v1.PostEventRequest(event_type="tool", inputs={}),
            ]
        ),
    )
    assert again.success is True and again.event_ids[0] == own and len(again.event_ids) == 2
    assert again.model_extra == {"created": 1, "already_existed": 1}
