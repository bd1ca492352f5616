"""What the request schemas share: strict models, bounded numbers, hyperparameter maps
and the check of a name against an engine registry. Every bound is imported from
engine.limits, where each limit is defined once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import PydanticCustomError

from engine.limits import MAX_COORDINATE, MAX_LIST, MAX_NAME_CHARS, MAX_PARAMS

Finite = Annotated[float, Field(allow_inf_nan=False)]
Coordinate = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_COORDINATE, le=MAX_COORDINATE)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]


def _one_message(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """One error for a hyperparameter's value, naming what it may be, rather than one per
    member of the union (whose first, "lr.bool: Input should be a valid boolean", reads as
    if lr were a boolean). A list that is too long keeps its limit error."""
    try:
        return handler(value)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] == "too_long":
                raise PydanticCustomError(
                    "too_long", "List should have at most {max_length} items, not {actual_length}", error["ctx"]
                ) from None
        shown = json.dumps(value, default=str)
        raise PydanticCustomError(
            "param_value",
            "Input should be a finite number, true or false, or a list of numbers; got {value}",
            {"value": shown if len(shown) <= 40 else shown[:37] + "..."},
        ) from None


ParamValue = Annotated[bool | int | Finite | Annotated[list[Finite], Field(max_length=MAX_LIST)],
                       WrapValidator(_one_message)]
Params = Annotated[dict[Name, ParamValue], Field(max_length=MAX_PARAMS)]


def known(registry: Mapping, name: str, what: str) -> str:
    """``name`` if the registry has it; else a ValueError (pydantic makes it a 422) listing the ids."""
    if name not in registry:
        raise ValueError(f"unknown {what} '{name}'; {what}s: {', '.join(registry)}")
    return name


class Strict(BaseModel):
    """Unknown keys are an error (a typo like `step` must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")
