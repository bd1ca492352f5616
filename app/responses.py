"""JSON responses through orjson: fast for large grids, and NaN/Infinity become null."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)


@cache
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def validated(annotation: Any, content: Any) -> bytes:
    """``content`` checked against a response model and encoded, as FastAPI's
    ``response_model`` does it, for answers that are validated once and then kept as bytes."""
    adapter = _adapter(annotation)
    return dumps(adapter.dump_python(adapter.validate_python(content, from_attributes=True), mode="json"))
