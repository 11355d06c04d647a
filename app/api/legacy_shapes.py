"""Answer shapes of the legacy read routes that older SDKs parse strictly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def without_nulls(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event without its null-valued top-level fields: the TypeScript SDK's response
    schemas accept a missing field but reject null (`children_ids`, `outputs`, ...), and
    the 0.x Python SDKs read a missing field as None."""
    return {key: value for key, value in event.items() if value is not None}
