"""What the request schemas share: strict models, bounded numbers, hyperparameter maps
and the check of a name against an engine registry. Every bound is imported from
engine.limits, where each limit is defined once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from engine.limits import MAX_COORDINATE, MAX_LIST, MAX_NAME_CHARS, MAX_PARAMS

Finite = Annotated[float, Field(allow_inf_nan=False)]
Coordinate = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_COORDINATE, le=MAX_COORDINATE)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]
ParamValue = bool | int | Finite | Annotated[list[Finite], Field(max_length=MAX_LIST)]
Params = Annotated[dict[Name, ParamValue], Field(max_length=MAX_PARAMS)]


def known(registry: Mapping, name: str, what: str) -> str:
    """``name`` if the registry has it; else a ValueError (pydantic makes it a 422) listing the ids."""
    if name not in registry:
        raise ValueError(f"unknown {what} '{name}'; {what}s: {', '.join(registry)}")
    return name


class Strict(BaseModel):
    """Unknown keys are an error (a typo like `step` must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")
