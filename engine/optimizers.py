"""Optimizers: one small class per update rule, all registered in ``OPTIMIZERS``.

The lecture's notation (MLP Lecture 5, "Learning algorithms"): d(t) = ∂E/∂w at
update t = 1, 2, …, η the learning rate, S a (sum or average of) squared
gradient(s), M a momentum-smoothed gradient, α and β decay rates, ε a small
constant. w(t + 1) = w(t) + Δw(t).

Every optimizer is vectorised over K runs that advance together (a race or a
hyperparameter sweep), each run with its own hyperparameters::

    hp = opt.stack_params([opt.validate_params(p) for p in (params_run0, params_run1)])  # name -> (K, 1) arrays
    state = opt.init_state(w, hp)                    # w: (K, D) start points
    w_new, effective_lr = opt.step(w, d, t, lr, state)

Rows never mix, so K runs in one batch give exactly the numbers each run gives
alone. With a constant η the trajectories match ``torch.optim`` (float64) to
rounding; the class docstrings say which torch call each one reproduces.

Five kernels carry the nine optimizers: SGD is momentum with α = 0, and AdaGrad,
RMSProp, Adam and AdamW are special cases of one adaptive-rate update, each exact to
the bit. A race's cost is the number of NumPy calls per update, so the runner steps
the runs of one kernel together (``stack_group``): nine optimizers, five calls of
``step``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.limits import MAX_LR
from engine.params import Param, ParamError
from engine.registry import Entry

__all__ = ["OPTIMIZERS", "Optimizer", "stack_group"]

CORRECTION_BLOCK = 1 << 14  # numbers per block of Adam's bias-correction table


# Shared parameter descriptions (defaults of lr differ per optimizer).
def _lr(default: float, what: str = "learning rate η") -> Param:
    return Param("lr", default, 0.0, MAX_LR, what, scale="log", slider_min=1e-5)


_EPS = Param("eps", 1e-8, 1e-12, 1.0, "ε, keeps the division finite when S is 0", scale="log")
_BETA1 = Param("beta1", 0.9, 0.0, 0.9999, "α, decay of the gradient average M (Kingma & Ba's β₁)")
_BETA2 = Param("beta2", 0.999, 0.0, 0.9999, "β, decay of the squared-gradient average S (Kingma & Ba's β₂)")
_MOMENTUM = Param("momentum", 0.9, 0.0, 0.9999, "α, fraction of the previous step kept")


def _rate(lr: np.ndarray, w: np.ndarray) -> np.ndarray:
    """η at w's shape: ``lr`` itself when it has it already (the runner passes it so), else
    a fresh copy broadcast to w's shape (cheaper than np.broadcast_to + copy)."""
    if lr.shape == w.shape:
        return lr
    out = np.empty_like(w)
    out[...] = lr
    return out


class Optimizer(Entry):
    """Base: metadata, validation and stacking. Subclasses give ``init_state`` and ``step``.

    ``step(w, d, t, lr, state, out=None) -> (w_new, effective_lr)`` with w, d (K, D),
    t the update number (1, 2, …), lr the scheduled η for this update, (K, 1) or (K, D),
    and ``state`` from ``init_state(w, hp)`` (mutated in place), hp from ``stack_params``.
    w_new is written into ``out`` (K, D) when given, as NumPy's ``out=`` (it may be w
    itself), else into a fresh array; ``effective_lr`` (K, D) is the per-coordinate rate
    applied. ``w`` and ``d`` are only read, and only during the call (the runner reuses
    its gradient buffer), so no state may keep a reference to them. Treat both returned
    arrays as read-only; effective_lr may be ``lr`` itself, and is never written again by
    a later step (the runner keeps it). Overflow is not an error here: a diverging run's
    numbers go to inf/NaN and the runner stops it. Silencing NumPy's overflow warnings is
    the caller's job (the runner holds one ``np.errstate`` around its whole loop): entering
    a context costs more than a ufunc call, and it would be paid by every optimizer
    on every step of a race.

    Speed: a race calls ``step`` 10,000 times on tiny arrays, where NumPy's fixed cost per
    call is the whole cost and a (K, 1) × (K, D) broadcast costs more than a same-shape
    operation. So ``init_state`` copies the hyperparameters ``step`` reads (``consts``)
    into ``state``, spread to w's shape; the runner passes η already spread to (K, D); and
    each step is one ufunc call per operation of its formula, in the formula's own order
    (so the numbers are those of the plain expression, to the bit), writing into the
    state's arrays and a scratch array ``tmp`` rather than new ones: ``np.add(a, b, c)``
    is c = a + b with the output passed positionally, as NumPy allows, which skips both
    the allocation of ``c = a + b`` and the keyword parsing of ``out=c``.
    Only what a step returns as effective_lr is a new array each time (or ``lr``):
    the runner keeps it, so no later step may write to it.
    """

    id: str
    title: str
    formula: str
    citation: str
    params: tuple[Param, ...]
    consts: tuple[str, ...] = ()  # entries of hp that step reads, kept in state at w's shape
    state_arrays: tuple[str, ...] = ()  # the state the formula carries from step to step, 0 at first

    def stack_params(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
        """Stack validated params (``validate_params``' answers: every parameter given) as
        (K, 1) columns, one row per run.

        Also holds the derived constants ``step`` needs (e.g. ``1-beta1``), computed once
        here rather than at every update; so pass ``hp`` from here, not a hand-made dict.
        """
        if not rows:
            raise ValueError(f"{self.id}: stack_params needs at least one run")
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

    def init_state(self, w: np.ndarray, hp: dict) -> dict[str, np.ndarray]:
        """The state at w's shape: ``state_arrays`` at 0, a scratch array ``tmp``, and the
        ``consts`` of hp spread from (K, 1) to (K, D) once (see the class docstring)."""
        state = {"tmp": np.empty_like(w), **{name: np.zeros_like(w) for name in self.state_arrays}}
        for name in self.consts:
            state[name] = np.broadcast_to(hp[name], w.shape).copy()
        return state

    def step(self, w, d, t, lr, state, out=None):  # pragma: no cover - abstract
        raise NotImplementedError(self.id)

    @property
    def kernel(self) -> type:
        """The class whose ``init_state`` and ``step`` this optimizer runs. An optimizer that
        is a special case of another (SGD of momentum; AdaGrad, RMSProp, Adam and AdamW of
        AdaptiveRate) inherits both and only fixes constants (``_derive``, ``coefficients``),
        so runs of optimizers with one kernel can be stepped as one group (``stack_group``)."""
        return next(c for c in type(self).__mro__ if "step" in vars(c))

    def __repr__(self) -> str:
        return f"<Optimizer {self.id}>"


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

    state_arrays = ("dw",)  # Δw(0) = 0

    def step(self, w, d, t, lr, state, out=None):
        lr, dw, tmp = _rate(lr, w), state["dw"], state["tmp"]
        # Δw(t) = −η d(t) + α Δw(t−1), computed in place as α Δw(t−1) − η d(t): the same
        # number, since IEEE addition commutes and x + (−y) is x − y.
        np.multiply(state["momentum"], dw, dw)
        np.subtract(dw, np.multiply(lr, d, tmp), dw)
        return np.add(w, dw, out), lr


class SGD(Momentum):
    """Vanilla gradient descent, the lecture's Δw(t) = −η d(t) (Robbins & Monro 1951).
    = torch.optim.SGD(lr).

    It runs as momentum with α = 0, which is this update to the bit (0·Δw(t−1) − η d(t)
    is exactly −η d(t)), so a race steps its SGD and momentum runs as one group.
    """

    id, title = "sgd", "SGD"
    formula = "Δw(t) = −η d(t)"
    citation = "Robbins & Monro (1951), A Stochastic Approximation Method; MLP Lecture 5"
    params = (_lr(0.01),)

    def _derive(self, hp):
        hp["momentum"] = np.zeros_like(hp["lr"])


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

    state_arrays = ("B",)

    def step(self, w, d, t, lr, state, out=None):
        lr, a, B, tmp = _rate(lr, w), state["momentum"], state["B"], state["tmp"]
        np.multiply(a, B, B)
        np.add(B, d, B)  # B(t) = α B(t−1) + d(t)
        np.multiply(a, B, tmp)
        np.add(d, tmp, tmp)
        np.multiply(lr, tmp, tmp)  # η (d(t) + α B(t))
        return np.subtract(w, tmp, out), lr


class AdaptiveRate(Optimizer):
    """The update AdaGrad, RMSProp, Adam and AdamW share. The lecture builds each from the
    one before: RMSProp is AdaGrad with a moving average, Adam is RMSProp with momentum
    (and bias correction), AdamW is Adam with decoupled weight decay. In one formula::

        M(t) = a M(t−1) + b d(t)       Adam, AdamW: a = α, b = 1 − α;  AdaGrad, RMSProp: a = 0, b = 1
        S(t) = c S(t−1) + e d(t)²      c = β, e = 1 − β;  AdaGrad: c = e = 1 (a plain sum)
        w ← w (1 − ηλ)                 λ = 0 but for AdamW
        Δw(t) = −η/C₁ · M(t) / (√S(t)/√C₂ + ε)   C₁ = 1 − αᵗ, C₂ = 1 − βᵗ with bias correction, else 1

    Each optimizer is a subclass that fixes these constants in ``coefficients``. The
    special cases are exact to the bit, not just in value: multiplying by 0 or 1, adding
    0 and dividing by 1 round nothing. So the runner steps the runs of all four as one
    group, one NumPy call per operation for all of them. The order of operations is
    torch's (η/C₁ times M/denominator), so each matches its torch.optim class to rounding.
    effective_lr is the rate multiplying M: η/C₁ / (√S/√C₂ + ε), which is η/(√S + ε)
    for AdaGrad and RMSProp.
    """

    consts = ("m_keep", "m_gain", "s_keep", "s_gain", "eps", "weight_decay")
    state_arrays = ("M", "S")

    def coefficients(self, hp: dict) -> tuple:
        """(a, b, c, e, bias_correction, λ) for the runs in ``hp``: numbers or (K, 1) columns."""
        raise NotImplementedError(self.id)

    def _derive(self, hp):
        super()._derive(hp)
        shape = hp["lr"].shape
        a, b, c, e, bias_correction, decay = (np.broadcast_to(np.asarray(v, dtype=float), shape)
                                              for v in self.coefficients(hp))
        hp.update(m_keep=a, m_gain=b, s_keep=c, s_gain=e, weight_decay=decay,
                  # the bases of C₁ = 1 − αᵗ and C₂ = 1 − βᵗ: 0 turns a correction off (0ᵗ = 0)
                  m_base=np.where(bias_correction, a, 0.0), s_base=np.where(bias_correction, c, 0.0))

    def init_state(self, w, hp):
        """Also the bases α, β of the bias corrections (0 where they are off), and an empty
        table of C₁ and √C₂ (see ``_corrections``)."""
        state = super().init_state(w, hp)
        state["one"] = np.ones_like(w)
        state["step_size"] = np.empty_like(w)
        state["bases"] = np.stack([np.broadcast_to(hp[name], w.shape) for name in ("m_base", "s_base")])
        state["corrections"], state["first"] = np.empty((0, 2, *w.shape)), 1
        state["decays"] = bool(np.any(hp["weight_decay"]))  # no AdamW run: skip three calls
        return state

    @staticmethod
    def _corrections(state, t):
        """C₁ = 1 − αᵗ and √C₂ = √(1 − βᵗ) of update t, per run (a sweep's runs may have
        different α and β). They depend on t alone, so they are computed for a block of
        updates at a time: with a race's tiny arrays, a power per update would cost more
        than the rest of the bias correction.

        Each power is Python's ``base ** t`` (the C library's pow), as torch.optim and the
        formula written out compute it: NumPy's vectorised ``power`` picks a SIMD kernel by
        CPU and may differ from it in the last bit. The rest (1 − x, √) is IEEE arithmetic,
        the same on every machine."""
        table, i = state["corrections"], t - state["first"]
        if not 0 <= i < len(table):
            bases = state["bases"]
            block = max(1, CORRECTION_BLOCK // bases.size)
            distinct, where = np.unique(bases, return_inverse=True)
            powers = np.array([[base**k for base in distinct.tolist()] for k in range(t, t + block)])
            table = 1.0 - powers[:, where.reshape(bases.shape)]
            np.sqrt(table[:, 1], out=table[:, 1])
            state["corrections"], state["first"], i = table, t, 0
        return table[i, 0], table[i, 1]

    def step(self, w, d, t, lr, state, out=None):
        M, S, tmp = state["M"], state["S"], state["tmp"]
        if state["decays"]:
            decay = np.multiply(lr, state["weight_decay"], tmp)
            np.subtract(state["one"], decay, decay)
            w = np.multiply(w, decay, out)  # w (1 − ηλ): into out, or a new array
        np.multiply(state["m_gain"], d, tmp)
        np.multiply(state["m_keep"], M, M)
        np.add(M, tmp, M)  # M(t) = a M(t−1) + b d(t)
        np.multiply(d, d, tmp)
        np.multiply(state["s_gain"], tmp, tmp)
        np.multiply(state["s_keep"], S, S)
        np.add(S, tmp, S)  # S(t) = c S(t−1) + e d(t)²
        c1, sqrt_c2 = self._corrections(state, t)
        step_size = np.divide(lr, c1, state["step_size"])  # η / C₁
        denom = np.sqrt(S)  # a new array: it ends as effective_lr
        np.divide(denom, sqrt_c2, denom)
        np.add(denom, state["eps"], denom)  # √S(t)/√C₂ + ε
        np.divide(M, denom, tmp)
        np.multiply(step_size, tmp, tmp)
        w_new = np.subtract(w, tmp, out)
        return w_new, np.divide(step_size, denom, denom)


class AdaGrad(AdaptiveRate):
    """AdaGrad (Duchi, Hazan & Singer 2011): each weight's step is normalised by the root
    of its sum of squared gradients, so its effective rate only ever falls.
    = torch.optim.Adagrad(lr, eps) (lr_decay 0, initial_accumulator_value 0)."""

    id, title = "adagrad", "AdaGrad"
    formula = "S(t) = S(t−1) + d(t)²;  Δw(t) = −η / (√S(t) + ε) · d(t)"
    citation = "Duchi, Hazan & Singer (2011), JMLR 12, http://jmlr.org/papers/v12/duchi11a.html"
    params = (_lr(0.1), _EPS)

    def coefficients(self, hp):
        return 0.0, 1.0, 1.0, 1.0, False, 0.0  # M = d, S a plain sum


class RMSProp(AdaptiveRate):
    """RMSProp (Hinton, Coursera lecture 6e, 2012): AdaGrad with a moving average for S,
    so the effective rate can rise again. = torch.optim.RMSprop(lr, alpha=β, eps)."""

    id, title = "rmsprop", "RMSProp"
    formula = "S(t) = β S(t−1) + (1−β) d(t)²;  Δw(t) = −η / (√S(t) + ε) · d(t)"
    citation = "Tieleman & Hinton (2012), Neural Networks for Machine Learning, lecture 6e"
    params = (_lr(0.01), Param("beta", 0.9, 0.0, 0.9999, "β, decay rate of the squared-gradient average S"), _EPS)

    def coefficients(self, hp):
        return 0.0, 1.0, hp["beta"], hp["1-beta"], False, 0.0  # M = d


class Adam(AdaptiveRate):
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

    def coefficients(self, hp):
        return hp["beta1"], hp["1-beta1"], hp["beta2"], hp["1-beta2"], hp["bias_correction"], 0.0


class AdamW(AdaptiveRate):
    """AdamW (Loshchilov & Hutter 2019): weight decay decoupled from the gradient,
    w ← w(1 − ηλ), then the (bias-corrected) Adam step. = torch.optim.AdamW(lr, betas, eps,
    weight_decay=λ). effective_lr as for Adam (the decay is not included)."""

    id, title = "adamw", "AdamW"
    formula = "w ← w (1 − η λ), then the Adam step  (λ = weight_decay)"
    citation = "Loshchilov & Hutter (2019), Decoupled Weight Decay Regularization, ICLR, https://arxiv.org/abs/1711.05101"
    params = (_lr(0.01), _BETA1, _BETA2, _EPS,
              Param("weight_decay", 0.01, 0.0, 1.0, "λ, fraction η·λ of w removed each step",
                    scale="log", slider_min=1e-5))

    def coefficients(self, hp):
        return hp["beta1"], hp["1-beta1"], hp["beta2"], hp["1-beta2"], True, hp["weight_decay"]


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
              Param("step_min", 1e-6, 0.0, 10.0, "Δmin, smallest step size", scale="log", slider_min=1e-9),
              Param("step_max", 50.0, 1e-6, 1000.0, "Δmax, largest step size", scale="log"))
    consts = ("eta_minus", "eta_plus", "step_min", "step_max")

    def check(self, p):
        if p["step_min"] > p["step_max"]:
            raise ParamError(self.id, "step_min",
                             f"({p['step_min']:g}) must not exceed step_max ({p['step_max']:g})")

    state_arrays = ("prev", "step_size", "zero")

    def init_state(self, w, hp):
        return {**super().init_state(w, hp), "one": np.ones_like(w),
                "flip": np.empty(w.shape, dtype=bool), "grow": np.empty(w.shape, dtype=bool)}

    def step(self, w, d, t, lr, state, out=None):
        if t == 1:
            state["step_size"] = _rate(lr, w).copy()  # Δ(0) = η of the first update
        zero, prev, tmp = state["zero"], state["prev"], state["tmp"]
        dd = np.multiply(d, prev, tmp)
        grow = np.greater(dd, zero, state["grow"])
        flip = np.less(dd, zero, state["flip"])
        # η⁺ where d(t)d(t−1) > 0, η⁻ where < 0, else 1 (NaN included), in a new array that
        # becomes Δ(t): Δ(t−1) was returned as effective_lr, so it stays as it is. (Two
        # masked copies cost less than np.where on a race's tiny arrays.)
        factor = state["one"].copy()
        np.copyto(factor, state["eta_plus"], where=grow)
        np.copyto(factor, state["eta_minus"], where=flip)
        size = np.multiply(state["step_size"], factor, factor)
        np.maximum(size, state["step_min"], out=size)  # (np.maximum wants out= by name)
        np.minimum(size, state["step_max"], out=size)
        np.copyto(prev, d)
        np.copyto(prev, zero, where=flip)  # d(t) := 0 after a flip, kept as the next d(t−1)
        state["step_size"] = size
        np.sign(prev, tmp)
        np.multiply(tmp, size, tmp)
        return np.subtract(w, tmp, out), size


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012): the step is rescaled by the ratio of RMS past steps to
    RMS gradients, so its units match w's. = torch.optim.Adadelta(lr, rho, eps).
    effective_lr is η·√(A(t−1) + ε)/√(S(t) + ε)."""

    id, title = "adadelta", "AdaDelta"
    formula = ("S(t) = ρ S(t−1) + (1−ρ) d(t)²;  Δx(t) = √(A(t−1) + ε) / √(S(t) + ε) · d(t);  "
               "A(t) = ρ A(t−1) + (1−ρ) Δx(t)²;  Δw(t) = −η Δx(t)")
    citation = "Zeiler (2012), ADADELTA: An Adaptive Learning Rate Method, https://arxiv.org/abs/1212.5701"
    params = (_lr(1.0), Param("rho", 0.9, 0.0, 1.0, "ρ, decay rate of the averages S and A"),
              Param("eps", 1e-6, 1e-12, 1.0, "ε, sets the first steps' size (√ε/√(S + ε)) and keeps them finite",
                    scale="log"))
    consts = ("rho", "1-rho", "eps")

    state_arrays = ("S", "A")

    def init_state(self, w, hp):
        return {**super().init_state(w, hp), "tmp2": np.empty_like(w)}

    def step(self, w, d, t, lr, state, out=None):
        rho, one_rho, eps, S, A = state["rho"], state["1-rho"], state["eps"], state["S"], state["A"]
        tmp, tmp2 = state["tmp"], state["tmp2"]
        np.multiply(d, d, tmp)
        np.multiply(one_rho, tmp, tmp)
        np.multiply(rho, S, S)
        np.add(S, tmp, S)  # S(t) = ρ S(t−1) + (1−ρ) d(t)²
        ratio = np.add(A, eps)  # a new array: it ends as effective_lr
        np.sqrt(ratio, ratio)
        np.add(S, eps, tmp)
        np.divide(ratio, np.sqrt(tmp, tmp), ratio)  # √(A(t−1) + ε) / √(S(t) + ε)
        dx = np.multiply(ratio, d, tmp)  # Δx(t)
        np.multiply(dx, dx, tmp2)
        np.multiply(one_rho, tmp2, tmp2)
        np.multiply(rho, A, A)
        np.add(A, tmp2, A)  # A(t) = ρ A(t−1) + (1−ρ) Δx(t)²
        np.multiply(lr, dx, dx)
        return np.subtract(w, dx, out), np.multiply(lr, ratio, ratio)


def stack_group(runs: Sequence[tuple[Optimizer, Mapping[str, Any] | None]]) -> dict[str, np.ndarray]:
    """``hp`` for runs of optimizers with one kernel, one row per run (validated params):
    each run is stacked by its own optimizer, then the columns they all have are joined."""
    if len({opt.kernel for opt, _ in runs}) != 1:
        raise ValueError("stack_group: the optimizers of a group must share one kernel")
    stacks = [opt.stack_params([params]) for opt, params in runs]
    return {name: np.concatenate([hp[name] for hp in stacks]) for name in stacks[0]
            if all(name in hp for hp in stacks)}


OPTIMIZERS: dict[str, Optimizer] = {
    o.id: o for o in (SGD(), Momentum(), Nesterov(), AdaGrad(), RMSProp(), Adam(), AdamW(), RProp(), AdaDelta())
}
