"""Metadata answers: health, presets, and the registries (optimizers, schedules, inits)
with each hyperparameter's range and slider scale, so the pages never repeat them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict

from app.schemas.common import Answer


class Health(Answer):
    status: str
    version: str


class Preset(Answer):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: str
    title: str
    description: str
    program: str


class ParamInfo(Answer):
    """An engine.params.Param. ``scale`` and the slider's range [slider_min, slider_max]
    (inside [min, max]; a log scale's low end is positive even where min is 0) say how
    a slider moves; a value outside the slider's range is typed in the number box."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    name: str
    default: Any
    min: float | None
    max: float | None
    description: str
    kind: Literal["float", "int", "bool", "list"]
    scale: Literal["linear", "log"]
    slider_min: float | None
    slider_max: float | None


class OptimizerInfo(Answer):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: str
    title: str
    formula: str
    citation: str
    params: list[ParamInfo]


class ScheduleInfo(Answer):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: str
    title: str
    formula: str
    params: list[ParamInfo]


class InitInfo(OptimizerInfo):
    """An initialiser describes itself as an optimizer does: formula, citation, params."""
