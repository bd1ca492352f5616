"""Weight initialisations, all registered in ``INITS``: the ``/api/inits`` metadata, the
/init page's menu and the program language's init helpers (``randn``, ``glorot``, …,
see engine.program) read this one table.

Every draw is multiplied by ``gain``: identity is gain·I, normal is N(0, gain²), and the
fan-scaled ones are torch.nn.init's with their own factor folded in (he_normal with
gain 1 is ``kaiming_normal_(nonlinearity="relu")``, glorot_uniform with gain 1 is
``xavier_uniform_(gain=1)``). Each draw function takes ``(shape, rng, gain, …)`` and
makes the NumPy calls the formula names, in its order, so one seed gives one array::

    W = INITS["he_normal"]((256, 784), {"gain": 1.0}, rng=0)   # rng: a seed or a Generator
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import InputError
from engine.limits import MAX_INIT_SCALE
from engine.params import Param, ParamError
from engine.registry import Entry

__all__ = ["HELPERS", "INITS", "Helper", "Init", "fans"]


def fans(shape: Sequence[int]) -> tuple[int, int]:
    """(fan_in, fan_out) by PyTorch's convention for a weight of shape (fan_out, fan_in).

    A vector of n counts as n in and n out; with more than two dimensions the last two
    are one matrix of a stack (unlike torch, which folds the rest into a receptive field:
    the program language has no convolutions)."""
    if len(shape) < 2:
        return shape[0], shape[0]
    return shape[-1], shape[-2]


# --- the draws: (shape, rng, gain, …) -> array of that shape ---------------------------

def zeros(shape, rng, gain):
    """W = 0 (gain·0): every unit of a layer computes the same and gets the same gradient."""
    return np.zeros(shape)


def ones(shape, rng, gain):
    """W = gain: equal weights, the same symmetry as zeros but with a signal."""
    return np.full(shape, gain)


def identity(shape, rng, gain):
    """W = gain·I (a deep linear network of gain·I scales its signal by gainᴸ)."""
    return gain * np.eye(*shape)


def normal(shape, rng, gain):
    """W ~ N(0, gain²)."""
    return rng.normal(0.0, gain, shape)


def uniform(shape, rng, gain, low, high):
    """W ~ gain·U(low, high)."""
    return gain * rng.uniform(low, high, shape)


def glorot_uniform(shape, rng, gain):
    """W ~ U(−a, a), a = gain·√(6/(fan_in + fan_out)): Var W = gain²·2/(fan_in + fan_out)."""
    fan_in, fan_out = fans(shape)
    bound = math.sqrt(6.0 / (fan_in + fan_out)) * gain
    return rng.uniform(-bound, bound, shape)


def glorot_normal(shape, rng, gain):
    """W ~ N(0, σ²), σ = gain·√(2/(fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)) * gain, shape)


def he_uniform(shape, rng, gain):
    """W ~ U(−a, a), a = gain·√(6/fan_in): Var W = gain²·2/fan_in."""
    fan_in, _ = fans(shape)
    bound = math.sqrt(6.0 / fan_in) * gain
    return rng.uniform(-bound, bound, shape)


def he_normal(shape, rng, gain):
    """W ~ N(0, σ²), σ = gain·√(2/fan_in)."""
    fan_in, _ = fans(shape)
    return rng.normal(0.0, math.sqrt(2.0 / fan_in) * gain, shape)


def _check_uniform(p: dict) -> None:
    if p["low"] > p["high"]:
        raise ParamError("uniform", "low", f"({p['low']:g}) must not exceed high ({p['high']:g})")


# --- the registry --------------------------------------------------------------------

@dataclass(frozen=True, eq=False, kw_only=True)
class Init(Entry):
    """One initialisation: metadata for the API/UI, its parameters and its draw function.

    ``random`` says whether the draw reads ``rng``; ``matrix`` whether it needs a 2-D
    shape (identity)."""

    id: str
    title: str
    formula: str
    citation: str
    params: tuple[Param, ...]
    draw: Callable[..., np.ndarray]
    random: bool = True
    matrix: bool = False
    check: Callable[[dict], None] | None = None


    def __call__(self, shape: Sequence[int], params: Mapping[str, Any] | None = None,
                 rng: np.random.Generator | int = 0) -> np.ndarray:
        """A float64 array of ``shape`` drawn from ``rng`` (a Generator, or a seed for
        ``np.random.default_rng``). Size limits are the caller's (engine.limits)."""
        shape = tuple(shape)
        if not shape or not all(isinstance(n, (int, np.integer)) and n > 0 for n in shape):
            raise InputError(f"{self.id}: the shape must be one or more positive whole numbers, got {shape}")
        if self.matrix and len(shape) != 2:
            raise InputError(f"{self.id}: the shape must be (rows, columns), got {shape}")
        p = self.validate_params(params)
        return self.draw(shape, np.random.default_rng(rng) if self.random else None, **p)


GAIN = Param("gain", 1.0, 0.0, MAX_INIT_SCALE, "multiplies every draw", scale="log", slider_min=1e-2, slider_max=1e2)
_GLOROT = "Glorot & Bengio (2010), Understanding the difficulty of training deep feedforward neural networks, AISTATS"
_HE = "He, Zhang, Ren & Sun (2015), Delving Deep into Rectifiers, ICCV, https://arxiv.org/abs/1502.01852"

INITS: dict[str, Init] = {i.id: i for i in (
    Init(id="zeros", title="Zeros", formula="W = 0",
         citation="Symmetry: every unit of a layer gets the same gradient (Goodfellow, Bengio & Courville 2016, §8.4)",
         params=(GAIN,), draw=zeros, random=False),
    Init(id="ones", title="Ones", formula="W = gain·1",
         citation="Symmetry: every unit of a layer gets the same gradient (Goodfellow, Bengio & Courville 2016, §8.4)",
         params=(GAIN,), draw=ones, random=False),
    Init(id="identity", title="Identity", formula="W = gain·I",
         citation="Le, Jaitly & Hinton (2015), A Simple Way to Initialize Recurrent Networks of Rectified Linear Units, "
         "https://arxiv.org/abs/1504.00941; torch.nn.init.eye_",
         params=(GAIN,), draw=identity, random=False, matrix=True),
    Init(id="normal", title="Normal", formula="W ~ N(0, gain²)", citation="torch.nn.init.normal_(std=gain)", params=(GAIN,), draw=normal),
    Init(id="uniform", title="Uniform", formula="W ~ gain·U(low, high)", citation="torch.nn.init.uniform_(a=low, b=high), times gain", params=(
        GAIN,
        Param("low", -1.0, -MAX_INIT_SCALE, MAX_INIT_SCALE, "lower end of the interval", slider_min=-10, slider_max=10),
        Param("high", 1.0, -MAX_INIT_SCALE, MAX_INIT_SCALE, "upper end of the interval", slider_min=-10, slider_max=10),
    ), draw=uniform, check=_check_uniform),
    Init(id="glorot_uniform", title="Glorot (Xavier) uniform", formula="W ~ U(−a, a),  a = gain·√(6/(fan_in + fan_out))",
         citation=f"{_GLOROT}; torch.nn.init.xavier_uniform_", params=(GAIN,), draw=glorot_uniform),
    Init(id="glorot_normal", title="Glorot (Xavier) normal", formula="W ~ N(0, σ²),  σ = gain·√(2/(fan_in + fan_out))",
         citation=f"{_GLOROT}; torch.nn.init.xavier_normal_", params=(GAIN,), draw=glorot_normal),
    Init(id="he_uniform", title="He (Kaiming) uniform", formula="W ~ U(−a, a),  a = gain·√(6/fan_in)",
         citation=f"{_HE}; torch.nn.init.kaiming_uniform_(nonlinearity='relu')", params=(GAIN,), draw=he_uniform),
    Init(id="he_normal", title="He (Kaiming) normal", formula="W ~ N(0, σ²),  σ = gain·√(2/fan_in)",
         citation=f"{_HE}; torch.nn.init.kaiming_normal_(nonlinearity='relu')", params=(GAIN,), draw=he_normal),
)}


# --- the program language's init helpers: names for entries of INITS --------------


@dataclass(frozen=True)
class Helper:
    """An init helper: the INITS entry it draws from, the keywords it takes for that
    entry's parameters (keyword -> parameter), and whether it takes ``seed=``."""

    init: str
    keywords: Mapping[str, str] = field(default_factory=dict)
    seeded: bool = False


HELPERS: dict[str, Helper] = {
    "zeros": Helper("zeros"),
    "ones": Helper("ones"),
    "eye": Helper("identity"),  # eye(n): the n×n identity
    "randn": Helper("normal", {"std": "gain"}, seeded=True),
    "uniform": Helper("uniform", {"low": "low", "high": "high"}, seeded=True),
    "glorot": Helper("glorot_uniform", {"gain": "gain"}, seeded=True),
    "he": Helper("he_normal", {"gain": "gain"}, seeded=True),
}
