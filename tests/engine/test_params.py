"""Param: one description per hyperparameter, read by validation, the API and the sliders."""

import pytest

from engine.errors import InputError
from engine.inits import INITS
from engine.optimizers import OPTIMIZERS
from engine.params import Param, ParamError, check_params
from engine.schedules import SCHEDULES

ALL_PARAMS = [(owner.id, p) for registry in (OPTIMIZERS, SCHEDULES, INITS) for owner in registry.values()
              for p in owner.params]


def test_param_error_is_an_input_error_naming_the_parameter():
    with pytest.raises(ParamError) as err:
        check_params("sgd", OPTIMIZERS["sgd"].params, {"lr": 11})
    exc = err.value
    assert isinstance(exc, InputError) and isinstance(exc, ValueError)
    assert str(exc) == exc.message == "sgd: lr must be between 0 and 10, got 11"
    assert (exc.owner, exc.param, exc.reason) == ("sgd", "lr", "must be between 0 and 10, got 11")
    assert exc.detail() == {"message": "sgd: lr must be between 0 and 10, got 11", "owner": "sgd", "param": "lr"}


@pytest.mark.parametrize("owner, p", ALL_PARAMS, ids=[f"{o}.{p.name}" for o, p in ALL_PARAMS])
def test_every_slider_lies_inside_the_valid_range(owner, p):
    assert p.scale in ("linear", "log")
    if p.kind == "bool":
        assert (p.slider_min, p.slider_max, p.scale) == (None, None, "linear")
        return
    assert p.min <= p.slider_min < p.slider_max <= p.max
    if p.scale == "log":
        assert p.slider_min > 0


@pytest.mark.parametrize("owner, name", [
    ("sgd", "lr"), ("adam", "eps"), ("adadelta", "eps"), ("rprop", "step_min"), ("rprop", "step_max"),
    ("exponential", "r"), ("reciprocal", "r"), ("step", "every"), ("cosine", "period"), ("newbob", "epoch_steps"),
    ("normal", "gain"),
])
def test_rates_tolerances_and_time_constants_slide_on_a_log_scale(owner, name):
    registry = next(r for r in (OPTIMIZERS, SCHEDULES, INITS) if owner in r)
    [p] = [p for p in registry[owner].params if p.name == name]
    assert p.scale == "log"


@pytest.mark.parametrize("owner, name", [
    ("momentum", "momentum"), ("adam", "beta1"), ("adam", "beta2"), ("rmsprop", "beta"), ("adadelta", "rho"),
    ("rprop", "eta_minus"), ("rprop", "eta_plus"), ("step", "gamma"), ("newbob", "factor"), ("reciprocal", "c"),
    ("constant", "warmup"),
])
def test_fractions_and_factors_slide_on_a_linear_scale(owner, name):
    registry = next(r for r in (OPTIMIZERS, SCHEDULES) if owner in r)
    [p] = [p for p in registry[owner].params if p.name == name]
    assert p.scale == "linear"


def test_lr_slides_from_a_positive_low_end_but_zero_is_still_valid():
    [lr] = OPTIMIZERS["sgd"].params
    assert (lr.min, lr.max, lr.slider_min, lr.slider_max) == (0.0, 10.0, 1e-5, 10.0)
    assert OPTIMIZERS["sgd"].validate_params({"lr": 0}) == {"lr": 0.0}


def test_slider_defaults_to_the_valid_range():
    p = Param("r", 100.0, 1e-3, 1e6, "time constant", scale="log")
    assert (p.slider_min, p.slider_max) == (1e-3, 1e6)


@pytest.mark.parametrize("kwargs, words", [
    ({"scale": "log"}, "positive low end"),
    ({"scale": "cubic"}, "scale must be"),
    ({"slider_min": -1.0}, "must lie inside"),
    ({"slider_min": 5.0, "slider_max": 2.0}, "must lie inside"),
])
def test_a_bad_slider_is_a_programming_error_at_import(kwargs, words):
    with pytest.raises(ValueError, match=words) as err:
        Param("lr", 0.1, 0.0, 10.0, "rate", **kwargs)
    assert not isinstance(err.value, InputError)


def test_check_params_fills_defaults_copies_lists_and_refuses_unknown_names():
    specs = (Param("a", 1.0, 0.0, 2.0, "a"), Param("v", (1, 2), 0, 5, "v", "list"))
    out = check_params("thing", specs, None)
    assert out == {"a": 1.0, "v": [1, 2]} and isinstance(out["v"], list)
    with pytest.raises(ParamError, match="thing: b is not a parameter of thing; it takes a, v"):
        check_params("thing", specs, {"b": 1})
    with pytest.raises(ParamError, match="name: value"):
        check_params("thing", specs, [("a", 1.0)])


def test_negative_zero_is_zero():
    """-0.0 passes 0 <= v, but NumPy's normal(0, -0.0) raises "scale < 0" (a fuzz finding)."""
    gain = check_params("normal", INITS["normal"].params, {"gain": -0.0})["gain"]
    assert gain == 0.0 and str(gain) == "0.0"
    assert not INITS["normal"]((3,), {"gain": -0.0}, rng=0).any()
