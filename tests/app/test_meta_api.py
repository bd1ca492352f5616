"""Metadata through the real app: the registries (optimizers, schedules, inits) with
each hyperparameter's range and slider scale, which build the pages' menus and sliders."""

from __future__ import annotations

import pytest

from engine.inits import INITS
from tests.contract import OPTIMIZER_IDS, SCHEDULE_IDS

INIT_IDS = ["zeros", "identity", "normal", "uniform", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal"]
PARAM_FIELDS = {"name", "default", "min", "max", "description", "kind", "scale", "slider_min", "slider_max"}


def test_optimizers_list(client):
    r = client.get("/api/optimizers")
    assert r.status_code == 200
    optimizers = {o["id"]: o for o in r.json()}
    assert list(optimizers) == OPTIMIZER_IDS
    for o in optimizers.values():
        assert {"id", "title", "formula", "params"} <= set(o)
        assert "lr" in [p["name"] for p in o["params"]]
        for p in o["params"]:
            assert {"name", "default", "min", "max", "description"} <= set(p)
    adam = {p["name"]: p for p in optimizers["adam"]["params"]}
    assert adam["beta1"]["default"] == 0.9 and adam["beta2"]["default"] == 0.999
    assert adam["bias_correction"]["default"] is True
    assert {p["name"]: p["default"] for p in optimizers["momentum"]["params"]}["momentum"] == 0.9


def test_schedules_list(client):
    r = client.get("/api/schedules")
    assert r.status_code == 200
    schedules = {s["id"]: s for s in r.json()}
    assert list(schedules) == SCHEDULE_IDS
    for s in schedules.values():
        assert "warmup" in [p["name"] for p in s["params"]]
    piecewise = {p["name"]: p for p in schedules["piecewise"]["params"]}
    assert len(piecewise["values"]["default"]) == len(piecewise["boundaries"]["default"]) + 1



def test_inits_list(client):
    r = client.get("/api/inits")
    assert r.status_code == 200
    inits = {i["id"]: i for i in r.json()}
    assert set(INIT_IDS) <= set(inits) and list(inits) == list(INITS)
    for i in inits.values():
        assert set(i) == {"id", "title", "formula", "citation", "params"}
        gain = i["params"][0]
        assert gain["name"] == "gain" and gain["default"] == 1.0 and gain["scale"] == "log"
        assert 0 < gain["slider_min"] < 1 < gain["slider_max"] <= gain["max"]
    assert inits["identity"]["formula"] == "W = gain·I"
    assert [p["name"] for p in inits["uniform"]["params"]] == ["gain", "low", "high"]


@pytest.mark.parametrize("path", ["/api/optimizers", "/api/schedules", "/api/inits"])
def test_every_param_says_its_scale_and_slider(client, path):
    for entry in client.get(path).json():
        for p in entry["params"]:
            assert set(p) == PARAM_FIELDS, (entry["id"], p)
            assert p["scale"] in ("linear", "log")
            if p["kind"] == "bool":
                assert p["slider_min"] is None and p["slider_max"] is None
                continue
            assert p["min"] <= p["slider_min"] < p["slider_max"] <= p["max"]
            if p["scale"] == "log":
                assert p["slider_min"] > 0, (entry["id"], p["name"])


def test_lr_is_a_log_slider_from_a_positive_low_end(client):
    sgd = next(o for o in client.get("/api/optimizers").json() if o["id"] == "sgd")
    [lr] = sgd["params"]
    assert (lr["min"], lr["max"], lr["scale"], lr["slider_min"], lr["slider_max"]) == (0.0, 10.0, "log", 1e-5, 10.0)
    adam = {p["name"]: p for p in next(o for o in client.get("/api/optimizers").json() if o["id"] == "adam")["params"]}
    assert adam["beta1"]["scale"] == adam["beta2"]["scale"] == "linear" and adam["eps"]["scale"] == "log"
    exponential = next(s for s in client.get("/api/schedules").json() if s["id"] == "exponential")
    assert {p["name"]: p["scale"] for p in exponential["params"]} == {"r": "log", "warmup": "linear"}
