"""What the request schemas share: strict models, bounded numbers, hyperparameter maps
and the check of a name against an engine registry. Every bound is imported from
engine.limits, where each limit is defined once."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from engine.errors import shorten
from engine.limits import MAX_COORDINATE, MAX_LIST, MAX_NAME_CHARS, MAX_PARAMS
from engine.optimizers import OPTIMIZERS
from engine.registry import lookup

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
def at_most(count: int, what: str = "Dictionary"):
    """A before-validator refusing a container of more than ``count`` items before any item
    is validated (pydantic checks a dict's size after validating every entry: 60,000
    hyperparameters once took a third of a second of the event loop)."""

    def check(value: Any) -> Any:
        if isinstance(value, (dict, list)) and len(value) > count:
            raise PydanticCustomError("too_long", "{what} should have at most {max_length} items, not {actual_length}",
                                      {"what": what, "max_length": count, "actual_length": len(value)})
        return value

    return BeforeValidator(check)


Params = Annotated[dict[Name, ParamValue], Field(max_length=MAX_PARAMS), at_most(MAX_PARAMS)]


def known(registry: Mapping, name: str, what: str) -> str:
    """``name`` if the registry has it; else the engine's InputError (a ValueError, which
    pydantic makes a 422) listing the ids."""
    lookup(registry, name, what)
    return name


class Answer(BaseModel):
    """A response: every field it sends is declared, and nothing else may be (its OpenAPI
    schema says additionalProperties: false, so a conformance test fails on a field
    that is sent but not documented)."""

    model_config = ConfigDict(extra="forbid")


class Strict(BaseModel):
    """Unknown keys are an error (a typo like `iteration` must not be silently ignored): one
    error naming them, the closest known key and every key the model takes, rather than
    pydantic's one "Extra inputs are not permitted" per key (90,000 of them cost a second)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def no_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [key for key in data if key not in cls.model_fields]
            if unknown:
                raise PydanticCustomError("unknown_keys", "{message}", {"message": cls.unknown_keys_message(unknown)})
        return data

    @classmethod
    def key_hint(cls, key: str) -> str | None:
        """What an unknown key may have been meant as: the closest key this model takes."""
        same_letters = [name for name in cls.model_fields if name.lower() == key.lower()]
        close = same_letters or difflib.get_close_matches(key, list(cls.model_fields), n=1)
        return f"did you mean '{close[0]}'?" if close else None

    @classmethod
    def unknown_keys_message(cls, unknown: list) -> str:
        """"unknown key 'iteration' (did you mean 'iterations'?); the keys are: …"."""
        named = []
        for key in unknown[:3]:
            hint = cls.key_hint(str(key))
            named.append(f"'{shorten(str(key), 40)}'" + (f" ({hint})" if hint else ""))
        more = f" and {len(unknown) - 3:,} more" if len(unknown) > 3 else ""
        return (f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(named)}{more}; "
                f"the keys are: {', '.join(cls.model_fields)}")


class HyperparameterKeys(Strict):
    """A model with an optimizer and its ``params``: a hyperparameter given beside them
    (``{"optimizer": "sgd", "lr": 0.5}``) is told where it goes."""

    @classmethod
    def key_hint(cls, key: str) -> str | None:
        if any(key == p.name for optimizer in OPTIMIZERS.values() for p in optimizer.params):
            return "a hyperparameter: put it in params, like \"params\": {\"" + key + "\": …}"
        return super().key_hint(key)
