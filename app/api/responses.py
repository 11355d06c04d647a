"""The JSON response class of the server (orjson encoding)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JsonResponse(JSONResponse):
    """JSON answered with orjson; success is always 200 with a JSON body."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
