"""Hyperparameters, described once: ``Param`` is what validation, the API's metadata
and the UI's sliders all read, for optimizers, schedules and inits alike.

A slider needs more than the valid range: lr ∈ [0, 10] on a linear slider puts every
useful rate in its first pixel. So each Param says its ``scale``, and a log-scale one
whose ``min`` is 0 names the slider's positive low end (``slider_min``). The slider's
range is [slider_min, slider_max], by default [min, max]; a valid value outside it
(lr = 0, say) is typed into the number box beside the slider, which rests at its end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from engine.errors import InputError
from engine.limits import MAX_LIST

__all__ = ["Param", "ParamError", "check_params"]

Kind = Literal["float", "int", "bool", "list"]
Scale = Literal["linear", "log"]


class ParamError(InputError):
    """A bad hyperparameter; ``param`` names it so the API can point at the slider.

    The message reads "<owner>: <param> <reason>", e.g. "sgd: lr must be between 0 and 10, got 11".
    """

    def __init__(self, owner: str, param: str, reason: str):
        super().__init__(f"{owner}: {param} {reason}")
        self.owner, self.param, self.reason = owner, param, reason

    def detail(self) -> dict:
        return {**super().detail(), "owner": self.owner, "param": self.param}


@dataclass(frozen=True)
class Param:
    """One hyperparameter. ``min``/``max`` are inclusive (element-wise for a list, None
    for a bool). ``scale`` is how a slider moves through it: "log" for rates, tolerances
    and time constants that span decades (lr, eps, r), "linear" for fractions and
    factors (momentum, betas, γ). ``slider_min``/``slider_max`` narrow the slider's range
    inside [min, max] (see the module docstring); they default to min and max, and a
    log scale needs a positive ``slider_min``."""

    name: str
    default: Any
    min: float | None
    max: float | None
    description: str
    kind: Kind = "float"
    scale: Scale = "linear"
    slider_min: float | None = None
    slider_max: float | None = None

    def __post_init__(self):
        if self.scale not in ("linear", "log"):
            raise ValueError(f"{self.name}: scale must be 'linear' or 'log', got {self.scale!r}")
        if self.kind == "bool":
            return
        low = self.min if self.slider_min is None else self.slider_min
        high = self.max if self.slider_max is None else self.slider_max
        object.__setattr__(self, "slider_min", low)
        object.__setattr__(self, "slider_max", high)
        if not self.min <= low < high <= self.max:
            raise ValueError(f"{self.name}: the slider [{low:g}, {high:g}] must lie inside [{self.min:g}, {self.max:g}]")
        if self.scale == "log" and not low > 0:
            raise ValueError(f"{self.name}: a log-scale slider needs a positive low end: give slider_min")

    def check(self, value: Any, owner: str) -> Any:
        """Return ``value`` coerced to this kind, or raise ParamError saying what is allowed."""
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise ParamError(owner, self.name, f"must be true or false, got {value!r}")
        if self.kind == "list":
            if not isinstance(value, (list, tuple, np.ndarray)):
                raise ParamError(owner, self.name, f"must be a list of numbers, got {value!r}")
            if len(value) > MAX_LIST:
                raise ParamError(owner, self.name, f"has {len(value)} entries; at most {MAX_LIST} allowed")
            return [self._number(v, owner, "must contain only numbers", "must contain numbers") for v in value]
        v = self._number(value, owner)
        if self.kind == "int":
            if not float(v).is_integer():
                raise ParamError(owner, self.name, f"must be a whole number, got {value!r}")
            return int(v)
        return v

    def _number(self, value: Any, owner: str, a_number: str = "must be a number",
                in_range: str = "must be") -> float:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ParamError(owner, self.name, f"{a_number}, got {value!r}")
        v = float(value) + 0.0  # -0.0 passes 0 <= v, but NumPy's samplers refuse a scale of -0.0
        if not (self.min <= v <= self.max):  # also rejects NaN
            raise ParamError(owner, self.name, f"{in_range} between {self.min:g} and {self.max:g}, got {value!r}")
        return v


def check_params(owner: str, specs: Sequence[Param], params: Mapping[str, Any] | None) -> dict:
    """Fill defaults and check ranges; the shared validation of optimizers, schedules and inits."""
    params = {} if params is None else params
    if not isinstance(params, Mapping):
        raise ParamError(owner, "params", f"must be an object of name: value, got {params!r}")
    names = [p.name for p in specs]
    for name in params:
        if name not in names:
            raise ParamError(owner, str(name), f"is not a parameter of {owner}; it takes {', '.join(names)}")
    out = {}
    for p in specs:
        out[p.name] = p.check(params[p.name], owner) if p.name in params else (
            list(p.default) if p.kind == "list" else p.default)
    return out
