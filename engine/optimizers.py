"""Optimizers: one small class per update rule, all registered in ``OPTIMIZERS``.

The lecture's notation (MLP Lecture 5, "Learning algorithms"): d(t) = ∂E/∂w at
update t = 1, 2, …, η the learning rate, S a (sum or average of) squared
gradient(s), M a momentum-smoothed gradient, α and β decay rates, ε a small
constant. w(t + 1) = w(t) + Δw(t).

Every optimizer is vectorised over K runs that advance together (a race or a
hyperparameter sweep), each run with its own hyperparameters::

    state = opt.init_state(w)                        # w: (K, D) start points
    hp = opt.stack_params([params_run0, params_run1])  # name -> (K, 1) arrays
    w_new, effective_lr = opt.step(w, d, t, lr, state, hp)

Rows never mix, so K runs in one batch give exactly the numbers each run gives
alone. With a constant η the trajectories match ``torch.optim`` (float64) to
rounding; the class docstrings say which torch call each one reproduces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["Param", "ParamError", "Optimizer", "OPTIMIZERS", "check_params"]

MAX_LIST = 1000  # longest list parameter accepted (piecewise boundaries/values)


@dataclass(frozen=True)
class Param:
    """One hyperparameter, described once: validation, API metadata and UI sliders
    all read this. ``min``/``max`` are inclusive (element-wise for a list, None for
    a bool)."""

    name: str
    default: Any
    min: float | None
    max: float | None
    description: str
    kind: str = "float"  # "float" | "int" | "bool" | "list"

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
        v = float(value)
        if not (self.min <= v <= self.max):  # also rejects NaN
            raise ParamError(owner, self.name, f"{in_range} between {self.min:g} and {self.max:g}, got {value!r}")
        return v


class ParamError(ValueError):
    """A bad hyperparameter; ``param`` names it so the API can point at the slider."""

    def __init__(self, owner: str, param: str, message: str):
        self.owner, self.param = owner, param
        super().__init__(f"{owner}: {param} {message}")


def check_params(owner: str, specs: Sequence[Param], params: Mapping[str, Any] | None) -> dict:
    """Fill defaults and check ranges; the shared validation of optimizers and schedules."""
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


# Shared parameter descriptions (defaults of lr differ per optimizer).
def _lr(default: float, what: str = "learning rate η") -> Param:
    return Param("lr", default, 0.0, 10.0, what)


_EPS = Param("eps", 1e-8, 1e-12, 1.0, "ε, keeps the division finite when S is 0")
_BETA1 = Param("beta1", 0.9, 0.0, 0.9999, "α, decay of the gradient average M (Kingma & Ba's β₁)")
_BETA2 = Param("beta2", 0.999, 0.0, 0.9999, "β, decay of the squared-gradient average S (Kingma & Ba's β₂)")
_MOMENTUM = Param("momentum", 0.9, 0.0, 0.9999, "α, fraction of the previous step kept")


def _full(lr: np.ndarray, w: np.ndarray) -> np.ndarray:
    """η broadcast to w's shape as a fresh array (cheaper than np.broadcast_to + copy)."""
    out = np.empty_like(w)
    out[...] = lr
    return out




class Optimizer:
    """Base: metadata, validation and stacking. Subclasses give ``init_state`` and ``step``.

    ``step(w, d, t, lr, state, hp) -> (w_new, effective_lr)`` with w, d (K, D),
    t the update number (1, 2, …), lr (K, 1) the scheduled η for this update,
    ``state`` from ``init_state`` (mutated in place) and ``hp`` from ``stack_params``.
    ``w`` is never mutated; ``effective_lr`` (K, D) is the per-coordinate rate applied.
    Treat both returned arrays as read-only (RProp's effective_lr is its state).
    Overflow is not an error here: a diverging run's numbers go to inf/NaN and the
    runner stops it. Silencing NumPy's overflow warnings is the caller's job (the
    runner holds one ``np.errstate`` around its whole loop): a context per call would
    cost 1.4 µs × 9 optimizers on every step of a race.

    Speed: a race calls ``step`` 10,000 times on tiny arrays, where NumPy's per-call
    overhead is the whole cost and a (K, 1) × (K, D) broadcast costs ~2.5× a same-shape
    operation. So at t = 1 ``step`` copies the hyperparameters it reads (``consts``)
    into ``state``, spread to w's shape; hp is not read after t = 1.
    """

    id: str
    title: str
    formula: str
    citation: str
    params: tuple[Param, ...]
    consts: tuple[str, ...] = ()  # entries of hp that step reads, kept in state at w's shape

    def validate_params(self, params: Mapping[str, Any] | None = None) -> dict:
        """Defaults filled in; ParamError (a ValueError) naming the parameter and its range otherwise."""
        out = check_params(self.id, self.params, params)
        self._check(out)
        return out

    def _check(self, p: dict) -> None:
        """Cross-parameter rules (none by default)."""

    def stack_params(self, runs: Sequence[Mapping[str, Any] | None]) -> dict[str, np.ndarray]:
        """Validate each run's params and stack them as (K, 1) columns, one row per run.

        Also holds the derived constants ``step`` needs (e.g. ``1-beta1``), computed once
        here rather than at every update; so pass ``hp`` from here, not a hand-made dict.
        """
        if not runs:
            raise ValueError(f"{self.id}: stack_params needs at least one run")
        rows = [self.validate_params(r) for r in runs]
        hp = {}
        for p in self.params:
            dtype = bool if p.kind == "bool" else np.float64
            hp[p.name] = np.array([r[p.name] for r in rows], dtype=dtype).reshape(-1, 1)
        self._derive(hp)
        return hp

    def _derive(self, hp: dict) -> None:
        """Add derived constants to ``hp`` (by default 1 − β for each decay rate)."""
        for name in ("beta", "beta1", "beta2", "rho"):
            if name in hp:
                hp["1-" + name] = 1.0 - hp[name]

    def init_state(self, w: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _spread(self, state: dict, hp: dict, w: np.ndarray) -> None:
        """At t = 1: copy ``consts`` from hp into state at w's shape (see the class docstring)."""
        for name in self.consts:
            state[name] = np.broadcast_to(hp[name], w.shape).copy()

    def step(self, w, d, t, lr, state, hp):  # pragma: no cover - abstract
        raise NotImplementedError(self.id)

    def __repr__(self) -> str:
        return f"<Optimizer {self.id}>"


class SGD(Optimizer):
    """Vanilla gradient descent, the lecture's Δw(t) = −η d(t) (Robbins & Monro 1951).
    = torch.optim.SGD(lr)."""

    id, title = "sgd", "SGD"
    formula = "Δw(t) = −η d(t)"
    citation = "Robbins & Monro (1951), A Stochastic Approximation Method; MLP Lecture 5"
    params = (_lr(0.01),)

    def step(self, w, d, t, lr, state, hp):
        return w - lr * d, _full(lr, w)


class Momentum(Optimizer):
    """Classical momentum in the lecture's form Δw(t) = −η d(t) + α Δw(t−1)
    (Rumelhart, Hinton & Williams 1986). At constant η it equals torch.optim.SGD(momentum=α,
    dampening=0), whose velocity form is B = αB + d, Δw = −ηB; under a schedule the two
    differ, and this one keeps the lecture's meaning: α scales the previous step."""

    id, title = "momentum", "Momentum"
    formula = "Δw(t) = −η d(t) + α Δw(t−1)"
    citation = "Rumelhart, Hinton & Williams (1986), Learning representations by back-propagating errors; MLP Lecture 5"
    params = (_lr(0.01), _MOMENTUM)
    consts = ("momentum",)

    def init_state(self, w):
        return {"dw": np.zeros_like(w)}  # Δw(0) = 0

    def step(self, w, d, t, lr, state, hp):
        if t == 1:
            self._spread(state, hp, w)
        dw = state["dw"] = -lr * d + state["momentum"] * state["dw"]
        return w + dw, _full(lr, w)


class Nesterov(Optimizer):
    """Nesterov momentum as torch.optim.SGD(momentum=α, nesterov=True) writes it
    (Sutskever et al. 2013): the step looks ahead along the buffer. B(0) = 0 makes
    B(1) = d(1), torch's first-step rule."""

    id, title = "nesterov", "Nesterov"
    formula = "B(t) = α B(t−1) + d(t);  Δw(t) = −η (d(t) + α B(t))"
    citation = ("Nesterov (1983); Sutskever, Martens, Dahl & Hinton (2013), On the importance of "
                "initialization and momentum in deep learning; torch.optim.SGD(nesterov=True)")
    params = (_lr(0.01), _MOMENTUM)
    consts = ("momentum",)

    def init_state(self, w):
        return {"B": np.zeros_like(w)}

    def step(self, w, d, t, lr, state, hp):
        if t == 1:
            self._spread(state, hp, w)
        a = state["momentum"]
        B = state["B"] = a * state["B"] + d
        return w - lr * (d + a * B), _full(lr, w)


class AdaGrad(Optimizer):
    """AdaGrad (Duchi, Hazan & Singer 2011): each weight's step is normalised by the root
    of its sum of squared gradients, so its effective rate only ever falls.
    = torch.optim.Adagrad(lr, eps) (lr_decay 0, initial_accumulator_value 0)."""

    id, title = "adagrad", "AdaGrad"
    formula = "S(t) = S(t−1) + d(t)²;  Δw(t) = −η / (√S(t) + ε) · d(t)"
    citation = "Duchi, Hazan & Singer (2011), JMLR 12, http://jmlr.org/papers/v12/duchi11a.html"
    params = (_lr(0.1), _EPS)
    consts = ("eps",)

    def init_state(self, w):
        return {"S": np.zeros_like(w)}

    def step(self, w, d, t, lr, state, hp):
        if t == 1:
            self._spread(state, hp, w)
        S = state["S"] = state["S"] + d * d
        rate = lr / (np.sqrt(S) + state["eps"])
        return w - rate * d, rate


class RMSProp(Optimizer):
    """RMSProp (Hinton, Coursera lecture 6e, 2012): AdaGrad with a moving average for S,
    so the effective rate can rise again. = torch.optim.RMSprop(lr, alpha=β, eps)."""

    id, title = "rmsprop", "RMSProp"
    formula = "S(t) = β S(t−1) + (1−β) d(t)²;  Δw(t) = −η / (√S(t) + ε) · d(t)"
    citation = "Tieleman & Hinton (2012), Neural Networks for Machine Learning, lecture 6e"
    params = (_lr(0.01), Param("beta", 0.9, 0.0, 0.9999, "β, decay rate of the squared-gradient average S"), _EPS)
    consts = ("beta", "1-beta", "eps")

    def init_state(self, w):
        return {"S": np.zeros_like(w)}

    def step(self, w, d, t, lr, state, hp):
        if t == 1:
            self._spread(state, hp, w)
        S = state["S"] = state["beta"] * state["S"] + state["1-beta"] * (d * d)
        rate = lr / (np.sqrt(S) + state["eps"])
        return w - rate * d, rate


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), "RMSProp with momentum", with bias correction:
    M̂ = M/(1−αᵗ), Ŝ = S/(1−βᵗ), Δw = −η M̂/(√Ŝ + ε). = torch.optim.Adam(lr, betas=(α, β), eps).

    ``bias_correction=False`` gives the lecture's form Δw = −η M/(√S + ε).
    effective_lr is the rate multiplying M in the update: η/(1−αᵗ) / (√S/√(1−βᵗ) + ε)
    (= η/(√S + ε) without bias correction).
    """

    id, title = "adam", "Adam"
    formula = ("M(t) = α M(t−1) + (1−α) d(t);  S(t) = β S(t−1) + (1−β) d(t)²;  "
               "Δw(t) = −η/(1−αᵗ) · M(t) / (√(S(t)/(1−βᵗ)) + ε)  "
               "(α = beta1, β = beta2; without bias correction Δw(t) = −η M(t)/(√S(t) + ε))")
    citation = "Kingma & Ba (2015), Adam: A Method for Stochastic Optimization, ICLR, https://arxiv.org/abs/1412.6980"
    params = (_lr(0.01), _BETA1, _BETA2, _EPS,
              Param("bias_correction", True, None, None,
                    "divide M and S by (1−αᵗ), (1−βᵗ); off gives the lecture's Δw = −η M/(√S + ε)", "bool"))
    consts = ("beta1", "1-beta1", "beta2", "1-beta2", "eps", "beta1_bc", "beta2_bc")

    def _derive(self, hp):
        super()._derive(hp)
        # bases of the bias corrections 1 − αᵗ, 1 − βᵗ: 0 turns a correction off (0ᵗ = 0)
        on = hp.get("bias_correction", True)
        hp["beta1_bc"] = np.where(on, hp["beta1"], 0.0)
        hp["beta2_bc"] = np.where(on, hp["beta2"], 0.0)

    def init_state(self, w):
        return {"M": np.zeros_like(w), "S": np.zeros_like(w), "one": np.ones_like(w)}

    def step(self, w, d, t, lr, state, hp):
        if t == 1:
            self._spread(state, hp, w)
        return self._adam(w, d, t, lr, state)

    @staticmethod
    def _adam(w, d, t, lr, state):
        M = state["M"] = state["beta1"] * state["M"] + state["1-beta1"] * d
        S = state["S"] = state["beta2"] * state["S"] + state["1-beta2"] * (d * d)
        c1 = state["one"] - state["beta1_bc"] ** t  # 1 − αᵗ (1 with bias correction off)
        c2 = state["one"] - state["beta2_bc"] ** t
        step_size = lr / c1
        denom = np.sqrt(S) / np.sqrt(c2) + state["eps"]
        # torch's operation order (η/c1 times M/denom) keeps the match to rounding
        return w - step_size * (M / denom), step_size / denom


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter 2019): weight decay decoupled from the gradient,
    w ← w(1 − ηλ), then the (bias-corrected) Adam step. = torch.optim.AdamW(lr, betas, eps,
    weight_decay=λ). effective_lr as for Adam (the decay is not included)."""

    id, title = "adamw", "AdamW"
    formula = "w ← w (1 − η λ), then the Adam step  (λ = weight_decay)"
    citation = "Loshchilov & Hutter (2019), Decoupled Weight Decay Regularization, ICLR, https://arxiv.org/abs/1711.05101"
    params = (_lr(0.01), _BETA1, _BETA2, _EPS,
              Param("weight_decay", 0.01, 0.0, 1.0, "λ, fraction η·λ of w removed each step"))
    consts = Adam.consts + ("weight_decay",)

    def step(self, w, d, t, lr, state, hp):
        if t == 1:
            self._spread(state, hp, w)
        w = w * (state["one"] - lr * state["weight_decay"])
        return self._adam(w, d, t, lr, state)


class RProp(Optimizer):
    """RProp (Riedmiller & Braun 1993): only the sign of d is used; each weight's step size
    grows by η⁺ while the sign holds and shrinks by η⁻ when it flips, in
    [step_min, step_max]. = torch.optim.Rprop(lr, etas, step_sizes): after a flip the
    gradient is taken as 0 (no move, and the next step neither grows nor shrinks), and
    d(0) = 0.

    The step sizes start at the η of update 1; as in torch, later η from a schedule is
    ignored. effective_lr is the step size of each coordinate.
    """

    id, title = "rprop", "RProp"
    formula = ("Δ(t) = η⁺Δ(t−1) if d(t)d(t−1) > 0,  η⁻Δ(t−1) and d(t) := 0 if d(t)d(t−1) < 0,  "
               "else Δ(t−1); clipped to [Δmin, Δmax], Δ(0) = η;  Δw(t) = −sign(d(t)) Δ(t)")
    citation = "Riedmiller & Braun (1993), http://dx.doi.org/10.1109/ICNN.1993.298623; torch.optim.Rprop"
    params = (_lr(0.01, "initial step size Δ(0)"),
              Param("eta_minus", 0.5, 0.01, 0.99, "η⁻, step-size factor after a sign flip"),
              Param("eta_plus", 1.2, 1.01, 10.0, "η⁺, step-size factor while the sign holds"),
              Param("step_min", 1e-6, 0.0, 10.0, "Δmin, smallest step size"),
              Param("step_max", 50.0, 1e-6, 1000.0, "Δmax, largest step size"))
    consts = ("eta_minus", "eta_plus", "step_min", "step_max")

    def _check(self, p):
        if p["step_min"] > p["step_max"]:
            raise ParamError(self.id, "step_min",
                             f"({p['step_min']:g}) must not exceed step_max ({p['step_max']:g})")

    def init_state(self, w):
        return {"prev": np.zeros_like(w), "step_size": np.zeros_like(w),
                "zero": np.zeros_like(w), "one": np.ones_like(w)}

    def step(self, w, d, t, lr, state, hp):
        if t == 1:
            self._spread(state, hp, w)
            state["step_size"] = _full(lr, w)  # Δ(0) = η of the first update
        zero = state["zero"]
        dd = d * state["prev"]
        flip = np.less(dd, zero)
        factor = np.where(np.greater(dd, zero), state["eta_plus"], np.where(flip, state["eta_minus"], state["one"]))
        size = np.minimum(np.maximum(state["step_size"] * factor, state["step_min"]), state["step_max"])
        d = np.where(flip, zero, d)
        state["step_size"], state["prev"] = size, d
        return w - np.sign(d) * size, size


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012): the step is rescaled by the ratio of RMS past steps to
    RMS gradients, so its units match w's. = torch.optim.Adadelta(lr, rho, eps).
    effective_lr is η·√(A(t−1) + ε)/√(S(t) + ε)."""

    id, title = "adadelta", "AdaDelta"
    formula = ("S(t) = ρ S(t−1) + (1−ρ) d(t)²;  Δx(t) = √(A(t−1) + ε) / √(S(t) + ε) · d(t);  "
               "A(t) = ρ A(t−1) + (1−ρ) Δx(t)²;  Δw(t) = −η Δx(t)")
    citation = "Zeiler (2012), ADADELTA: An Adaptive Learning Rate Method, https://arxiv.org/abs/1212.5701"
    params = (_lr(1.0), Param("rho", 0.9, 0.0, 1.0, "ρ, decay rate of the averages S and A"),
              Param("eps", 1e-6, 1e-12, 1.0, "ε, sets the first steps' size (√ε/√(S + ε)) and keeps them finite"))
    consts = ("rho", "1-rho", "eps")

    def init_state(self, w):
        return {"S": np.zeros_like(w), "A": np.zeros_like(w)}

    def step(self, w, d, t, lr, state, hp):
        if t == 1:
            self._spread(state, hp, w)
        rho, one_rho, eps = state["rho"], state["1-rho"], state["eps"]
        S = state["S"] = rho * state["S"] + one_rho * (d * d)
        ratio = np.sqrt(state["A"] + eps) / np.sqrt(S + eps)
        dx = ratio * d
        state["A"] = rho * state["A"] + one_rho * (dx * dx)
        return w - lr * dx, lr * ratio


OPTIMIZERS: dict[str, Optimizer] = {
    o.id: o for o in (SGD(), Momentum(), Nesterov(), AdaGrad(), RMSProp(), Adam(), AdamW(), RProp(), AdaDelta())
}
