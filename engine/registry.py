"""What every registry entry is (optimizers, schedules, initialisers, surfaces): an id, a
title, a formula, a citation and its hyperparameters, with one way to validate them.
The API's metadata, the pages' menus and sliders, and validation all read these fields.

``check(p)`` holds the rules between parameters (RProp's step_min ≤ step_max, piecewise's
one more value than boundaries), run once each parameter is valid on its own: a method
of a class-based entry (an optimizer) or a function given to a dataclass entry (a
schedule, an initialiser); none by default.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from engine.errors import InputError
from engine.params import Param, check_params


class Entry:
    id: str
    title: str
    formula: str
    citation: str = ""
    params: tuple[Param, ...] = ()
    check: Callable[[dict], None] | None = None

    def validate_params(self, params: Mapping[str, Any] | None = None) -> dict:
        """Defaults filled in; ParamError (an InputError) naming the parameter and its range otherwise."""
        p = check_params(self.id, self.params, params)
        if self.check is not None:
            self.check(p)
        return p


def lookup(registry: Mapping[str, Any] | Collection[str], name: str, what: str) -> Any:
    """``registry[name]`` (or ``name``, from a plain collection of ids), else an InputError
    naming what exists: "unknown optimizer 'adamm'; optimizers: sgd, momentum, …"."""
    if name not in registry:
        raise InputError(f"unknown {what} '{name}'; {what}s: {', '.join(registry)}")
    return registry[name] if isinstance(registry, Mapping) else name


__all__ = ["Entry", "lookup"]
