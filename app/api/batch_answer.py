"""The answer to a batch: what the SDK requires, plus how many events were new.

`success`, `event_ids` (and `session_id` when there is one) are what the SDK reads. The
counts are extra keys, which its response models accept and ignore (they allow extra keys):
`created` is how many events were stored, `already_existed` how many were left as they
were because their event_id existed already (first write wins)."""

from __future__ import annotations

from typing import Any

from app.services.events import BatchOutcome


def batch_answer(outcome: BatchOutcome, *, with_session: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "event_ids": outcome.event_ids}
    if with_session and outcome.session_id is not None:
        body["session_id"] = outcome.session_id
    body["created"] = outcome.created
    body["already_existed"] = outcome.already_existed
    return body
