"""Errors through the real app: the user's mistakes are 422s whose message names what is
wrong; the engine's own InputErrors are answered with their detail(); anything else is a
bug: a JSON 500 without the traceback, which goes to the log (no catch-all ValueError
handler turns a bug into the user's fault)."""

from __future__ import annotations

import json
import logging

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
        r = client.post("/api/optimize", json={**RACE, "start": [1.23456789, 1.0]})  # not a cached race
    assert r.status_code == 500
    assert r.json()["detail"]["message"].startswith("internal error: ValueError;")


def test_a_bug_is_a_json_500_and_its_traceback_goes_to_the_log(caplog):
    """Starlette routes a handler for Exception to ServerErrorMiddleware, outermost."""
    app = create_app()

    @app.get("/api/test-only/divide")
    def divide() -> dict:
        return {"value": 1 / 0}

    with caplog.at_level(logging.ERROR, logger="backproplab"), \
            TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/test-only/divide")
    assert r.status_code == 500 and r.headers["content-type"] == "application/json"
    assert r.json() == {"detail": {"message": "internal error: ZeroDivisionError; the server's log has the details. "
                                              "This is a bug in backproplab, not a mistake in your input"}}
    assert "Traceback" not in r.text and "1 / 0" not in r.text
    [record] = [rec for rec in caplog.records if rec.name == "backproplab"]
    assert record.exc_info[0] is ZeroDivisionError and "GET /api/test-only/divide" in record.getMessage()


@pytest.mark.parametrize("headers, content, words", [
    ({"Content-Type": "text/plain"}, json.dumps({"program": "z = input(1.0)"}),
     ("send the body as a JSON object with the header `Content-Type: application/json` "
      "(this request's content type is text/plain)")),
    ({"Content-Type": "application/x-www-form-urlencoded"}, "program=z+%3D+input(1.0)",
     "(this request's content type is application/x-www-form-urlencoded)"),
    ({"Content-Type": "multipart/form-data; boundary=x"}, "--x--", "content type is multipart/form-data)"),
    ({}, json.dumps({"program": "z = input(1.0)"}), "send the body as a JSON object with the header"),
    ({"Content-Type": "application/json"}, "", "the request has no body: send a JSON object"),
    ({"Content-Type": "application/json"}, "[1, 2]", "the body must be a JSON object"),
    ({"Content-Type": "application/json"}, '{"program": ', "the body is not valid JSON (at character 13"),
])
def test_a_body_that_is_not_a_json_object_says_what_to_send(client, headers, content, words):
    r = client.post("/api/graph/trace", content=content, headers=headers)
    assert r.status_code == 422
    assert words in r.json()["detail"]["message"], r.json()


def test_json_with_a_json_content_type_of_another_name_is_read(client):
    body = json.dumps({"program": "z = input(1.0)"})
    for kind in ("application/json; charset=utf-8", "application/vnd.api+json"):
        r = client.post("/api/graph/trace", content=body, headers={"Content-Type": kind})
        assert r.status_code == 200 and r.json()["loss"] == 1.0


def test_the_sweeps_cell_step_cap_names_its_limit(client):
    axes = {"x": {"name": "lr", "values": [0.01] * 32}, "y": {"name": "momentum", "values": [0.1] * 32}}
    r = client.post("/api/optimize/sweep", json={**SWEEP, "steps": 10_000, "axes": axes})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["limit"] == "sweep_cell_steps"
    assert detail["message"] == ("the sweep has 1,024 cells × 10,000 steps = 10,240,000 cell-steps; at most "
                                 "1,000,000 are allowed (limit sweep_cell_steps): use fewer steps or axis values")


@pytest.mark.parametrize("program, words", [
    ("W = param(randn(2, std=[1.0, 2.0]))", "std must be one finite number"),
    ("W = param(randn(2, std=-1))", "randn: std must be between 0 and 1e+06"),
    ("W = param(uniform(2, low=-1e308, high=1e308))", "uniform: low must be between"),
    ("W = param(randn(2, seed=1e309))", "seed must be a whole number"),
    ("W = param(randn(2, seed=" + "9" * 300 + "))", "seed must be between 0 and 4,294,967,295 (limit seed)"),
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


def test_openapi_documents_the_apps_error_format(client):
    """A 422 is {"detail": {"message", …}}, not FastAPI's default list of pydantic errors."""
    schema = client.get("/openapi.json").json()
    documented = schema["paths"]["/api/graph/trace"]["post"]["responses"]["422"]["content"]["application/json"]
    assert documented["schema"] == {"$ref": "#/components/schemas/HTTPValidationError"}
    components = schema["components"]["schemas"]
    assert components["HTTPValidationError"]["properties"]["detail"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert components["ErrorDetail"]["required"] == ["message"]
    assert "ValidationError" not in components
