"""Errors through the real app: the user's mistakes are 422s whose message names what is
wrong; the engine's own InputErrors are answered with their detail(); anything else is a
bug and stays a 500 (no catch-all ValueError handler)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

import app.routers.optimize as optimize_router
from app.main import create_app
from app.schemas.optimize import OptimizeResponse
from app.schemas.surfaces import Grid
from app.schemas.sweep import SweepResponse
from engine.errors import InputError
from engine.params import ParamError
from tests.contract import parse_sse

RACE = {"surface": "quadratic", "steps": 5, "runs": [{"optimizer": "sgd"}]}
SWEEP = {"surface": "quadratic", "steps": 5, "optimizer": "momentum",
         "axes": {"x": {"name": "lr", "values": [0.01, 0.02]}, "y": {"name": "momentum", "values": [0.0, 0.5]}}}

BAD_RACES = [
    ({**RACE, "surface": "banana"}, "unknown surface 'banana'"),
    ({**RACE, "runs": [{"optimizer": "adamm"}]}, "unknown optimizer 'adamm'"),
    ({**RACE, "runs": [{"optimizer": "sgd", "schedule": {"name": "linear"}}]}, "unknown schedule 'linear'"),
    ({**RACE, "runs": [{"optimizer": "adam", "params": {"beta1": 1.5}}]}, "adam: beta1 must be between 0 and 0.9999"),
    ({**RACE, "runs": [{"optimizer": "sgd", "schedule": {"name": "step", "every": 0}}]}, "step: every must be between"),
    ({**RACE, "runs": [{"optimizer": "rprop", "params": {"step_min": 2, "step_max": 1}}]}, "step_min (2) must not"),
]
BAD_SWEEPS = [
    ({**SWEEP, "surface": "banana"}, "unknown surface 'banana'"),
    ({**SWEEP, "optimizer": "adamm"}, "unknown optimizer 'adamm'"),
    ({**SWEEP, "schedule": {"name": "linear"}}, "unknown schedule 'linear'"),
    ({**SWEEP, "params": {"momentum": 2}}, "momentum: momentum must be between 0 and 0.9999"),
    ({**SWEEP, "axes": {**SWEEP["axes"], "x": {"name": "lr", "values": [11.0]}}}, "momentum: lr must be between 0 and 10"),
]


@pytest.mark.parametrize("body, words", BAD_RACES)
@pytest.mark.parametrize("path", ["/api/optimize", "/api/optimize/stream"])
def test_unknown_ids_and_bad_hyperparameters_are_422_naming_them(client, path, body, words):
    r = client.post(path, json=body)
    assert r.status_code == 422
    assert words in r.json()["detail"]["message"]


@pytest.mark.parametrize("body, words", BAD_RACES)
def test_the_get_stream_answers_them_with_an_error_event(client, body, words):
    r = client.get("/api/optimize/stream", params={"request": json.dumps(body)})
    assert r.status_code == 422
    [(name, data)] = parse_sse(r.text)
    assert name == "error" and words in data["detail"]["message"]


@pytest.mark.parametrize("body, words", BAD_SWEEPS)
def test_a_sweep_names_them_too(client, body, words):
    r = client.post("/api/optimize/sweep", json=body)
    assert r.status_code == 422
    assert words in r.json()["detail"]["message"]


def test_a_sweep_cell_the_engine_refuses_is_a_422_naming_the_parameter(client):
    """Each axis value is valid with the other defaults, so the schema lets it through;
    the cell (step_min 5, step_max 1) is refused by the engine's own ParamError."""
    axes = {"x": {"name": "step_min", "values": [5.0]}, "y": {"name": "step_max", "values": [1.0]}}
    r = client.post("/api/optimize/sweep", json={**SWEEP, "optimizer": "rprop", "axes": axes})
    assert r.status_code == 422
    assert r.json()["detail"] == {"message": "rprop: step_min (5) must not exceed step_max (1)",
                                  "owner": "rprop", "param": "step_min"}


def test_an_engine_param_error_is_a_422_with_its_detail(client, monkeypatch):
    def refuse(**kwargs):
        raise ParamError("adam", "lr", "must be between 0 and 10, got 11")

    monkeypatch.setattr(optimize_router, "race", refuse)
    monkeypatch.setattr(optimize_router, "race_events", refuse)
    want = {"message": "adam: lr must be between 0 and 10, got 11", "owner": "adam", "param": "lr"}
    r = client.post("/api/optimize", json=RACE)
    assert (r.status_code, r.json()) == (422, {"detail": want})
    r = client.post("/api/optimize/stream", json=RACE)
    assert r.status_code == 422 and parse_sse(r.text) == [("error", {"detail": want})]


def test_an_engine_input_error_names_its_limit(client, monkeypatch):
    def refuse(**kwargs):
        raise InputError("too many numbers (limit max_recorded_numbers)", "max_recorded_numbers")

    monkeypatch.setattr(optimize_router, "sweep", refuse)
    r = client.post("/api/optimize/sweep", json=SWEEP)
    assert r.status_code == 422
    assert r.json()["detail"] == {"message": "too many numbers (limit max_recorded_numbers)",
                                  "limit": "max_recorded_numbers"}


def test_a_plain_value_error_is_a_bug_not_the_users_fault(monkeypatch):
    def bug(**kwargs):
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr(optimize_router, "race", bug)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        r = client.post("/api/optimize", json=RACE)
    assert r.status_code == 500


@pytest.mark.parametrize("program, words", [
    ("W = param(randn(2, std=[1.0, 2.0]))", "std must be one finite number"),
    ("W = param(randn(2, std=-1))", "randn: std must be between 0 and 1e+06"),
    ("W = param(uniform(2, low=-1e308, high=1e308))", "uniform: low must be between"),
    ("W = param(randn(2, seed=1e309))", "seed must be a whole number"),
])
def test_bad_init_helper_arguments_are_422_at_their_place(client, program, words):
    r = client.post("/api/graph/trace", json={"program": program})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert words in detail["message"] and detail["line"] == 1 and detail["column"] > 1


def test_big_answers_match_the_models_that_document_them(client):
    """Races, sweeps and grids go to orjson unvalidated (for speed); their models are
    documentation, so check them against real answers here."""
    race = {"surface": "rosenbrock", "steps": 50, "noise": {"std": 0.5, "seed": 1},
            "runs": [{"optimizer": "sgd", "params": {"lr": 1.0}}, {"optimizer": "adam", "label": "A"}]}
    answer = client.post("/api/optimize", json=race).json()
    assert answer["runs"][0]["status"] == "diverged"  # its effective_lr may hold null
    OptimizeResponse.model_validate(answer)
    SweepResponse.model_validate(client.post("/api/optimize/sweep", json=SWEEP).json())
    Grid.model_validate(client.get("/api/surfaces/rosenbrock/grid", params={"n": 5}).json())
    Grid.model_validate(client.post("/api/surfaces/grid", json={
        "expression": "log(x)", "domain": {"x": [-1, 1], "y": [0, 1]}, "n": 3}).json())


def test_openapi_documents_the_big_answers(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, model in [("/api/optimize", "OptimizeResponse"), ("/api/optimize/sweep", "SweepResponse"),
                        ("/api/surfaces/grid", "Grid")]:
        schema = paths[path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert json.dumps(schema).endswith(f'/{model}"}}'), schema
