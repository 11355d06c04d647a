"""Reading a request body as JSON: media type, size limit, parse, limits, validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from app.domain.json_limits import JsonLimitError, check_json_limits
from app.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

ModelT = TypeVar("ModelT", bound=BaseModel)


def is_json_media_type(content_type: str | None) -> bool:
    """No Content-Type, application/json, or any ``*/*+json`` is JSON to us."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("application/json", "text/json") or media.endswith("+json")


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The raw body, refusing (413) anything over ``max_bytes`` before reading it whole."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"request body is over the limit of {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"request body is over the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    """Parse JSON (NaN and Infinity are not JSON and are refused) and check its limits."""
    if not raw.strip():
        raise BadRequest("request body is empty; a JSON object is required")
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from exc
    try:
        check_json_limits(document, check_nul=b"\\u0000" in raw)
    except JsonLimitError as exc:
        raise BadRequest(
            f"{exc.path}: {exc.problem}", details=[{"loc": exc.path, "message": exc.problem}]
        ) from exc
    return document


async def read_json(request: Request, max_bytes: int) -> Any:
    if not is_json_media_type(request.headers.get("content-type")):
        raise UnsupportedMediaType(
            f"Content-Type {request.headers.get('content-type')!r} is not supported; "
            "send application/json"
        )
    return parse_json(await read_body(request, max_bytes))


def error_location(parts: tuple[int | str, ...] | list[int | str]) -> str:
    """A validation error's location, written one way everywhere: ``events[2].inputs``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "$"


def validate(model: type[ModelT], document: Any, *, prefix: str = "") -> ModelT:
    """Validate ``document`` against ``model``; errors become one 400 naming each path."""
    if not isinstance(document, dict):
        raise BadRequest(f"{prefix or 'request body'} must be a JSON object")
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        details = []
        for error in exc.errors(include_url=False, include_input=False):
            loc = error_location(tuple(error["loc"]))
            if prefix:
                loc = f"{prefix}.{loc}" if loc != "$" else prefix
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown field (this route does not accept it)"
            details.append({"loc": loc, "message": message})
        summary = "; ".join(f"{d['loc']}: {d['message']}" for d in details)
        raise BadRequest(f"invalid request body: {summary}", details=details) from exc


async def read_model(request: Request, model: type[ModelT]) -> ModelT:
    """The request body read (media type, size limit), parsed and validated as ``model``:
    what ``JsonBody[model]`` gives a route, for routes that read their body themselves."""
    max_bytes: int = request.app.state.services.settings.max_body_bytes
    return validate(model, await read_json(request, max_bytes))


if TYPE_CHECKING:
    # For the type checker ``JsonBody[Model]`` is just ``Model``.
    JsonBody = Annotated[ModelT, "JSON request body"]
else:

    class JsonBody:
        """``body: JsonBody[Model]`` as a route parameter: the request body read (media type,
        size limit), parsed as JSON (document limits) and validated against ``Model``, every
        failure a 4xx in the error envelope. Put it after the project parameter so that a
        request without credentials gets its 401 before its body is read."""

        def __class_getitem__(cls, model: type[BaseModel]) -> Any:
            async def read_and_validate(request: Request) -> BaseModel:
                return await read_model(request, model)

            return Annotated[model, Depends(read_and_validate)]
