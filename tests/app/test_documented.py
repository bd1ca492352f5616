"""What is sent is what is documented (issue 20): every field of every answer, and of every
event of a stream, is declared by the response model /openapi.json documents for it. The
models refuse fields they do not declare (app.schemas.common.Answer), so a field that is
sent but not documented fails here (RunResult once lacked the `gradient` every race sends)."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

from app.main import create_app
from app.schemas.common import Answer
from app.schemas.optimize import RunResult
from app.sse import MEDIA_TYPE
from tests.app.rooms_support import Room, following
from tests.browser.harness import serving
from tests.contract import parse_sse

RACE = {"surface": "rosenbrock", "steps": 40, "noise": {"std": 0.5, "seed": 1},
        "runs": [{"optimizer": "adam", "params": {"lr": 0.05}, "schedule": {"name": "cosine", "period": 20}},
                 {"optimizer": "sgd", "params": {"lr": 2.0}}, {"optimizer": "rprop"}, {"optimizer": "adadelta"}]}
SWEEP = {"surface": "quadratic", "steps": 30, "optimizer": "momentum",
         "axes": {"x": {"name": "lr", "values": [0.01, 0.5]}, "y": {"name": "momentum", "values": [0.0, 0.9]}}}
PROGRAM = "W = param(glorot(3, 2, seed=0))\nx = input([1.0, -2.0])\nh = relu(W @ x)\nloss = mean(h * h) + 0.5"

ROOM = "{room}"
SVG = "image/svg+xml"  # an image's answer: documented by its media type

# (method, path, request): at least one real answer per documented endpoint
REQUESTS = [
    ("GET", "/api/health", None), ("GET", "/api/limits", None), ("GET", "/api/presets", None),
    ("GET", "/api/optimizers", None), ("GET", "/api/schedules", None), ("GET", "/api/inits", None),
    ("GET", "/api/surfaces", None), ("GET", "/api/surfaces/{surface_id}/grid", {"surface_id": "beale", "n": 6}),
    ("POST", "/api/surfaces/grid", {"expression": "x*y", "domain": {"x": [-1, 1], "y": [0, 2]}, "n": 5}),
    *[("POST", "/api/graph/trace", {"preset": p}) for p in ("mul", "logreg", "colah", "mlp", "deep_linear")],
    ("POST", "/api/graph/trace", {"program": PROGRAM}),
    ("GET", "/api/graph/trace/stream", {"preset": "relu_layer"}),
    ("POST", "/api/graph/trace/stream", {"program": PROGRAM}),
    ("POST", "/api/graph/gradcheck", {"preset": "mlp"}),
    ("POST", "/api/graph/train", {"preset": "logreg", "optimizer": "adam", "iterations": 5}),
    ("POST", "/api/graph/train", {"program": PROGRAM, "iterations": 0}),
    ("POST", "/api/optimize", RACE),
    ("GET", "/api/optimize/stream", {"request": json.dumps(RACE)}),
    ("POST", "/api/optimize/stream", RACE),
    ("POST", "/api/optimize/sweep", SWEEP),
    ("POST", "/api/schedules/curve", {"schedule": {"name": "newbob", "epoch_steps": 5}, "steps": 20,
                                      "losses": [1.0 / (k + 1) for k in range(20)]}),
    ("POST", "/api/init/deep", {"depth": 4, "width": 8, "samples": 16, "activation": "sigmoid", "init": "identity",
                                "gain": 0.5, "histograms": [1, 4]}),
    ("GET", "/api/init/activations", None),
    ("POST", "/api/trainability", {"n": 8, "steps": 20}),
    ("POST", "/api/trainability/curve", {"x": 0.0, "y": 1.5, "steps": 20}),
    # rooms: "{code}" is a room made for the request (room_request), with a state, an open question and an answer
    ("POST", "/api/rooms", {}),
    ("GET", "/api/rooms/{code}", {"code": ROOM}),
    ("PUT", "/api/rooms/{code}/state", {"code": ROOM, "url": "/graph?preset=logreg&step=9",
                                        "reveal": {"id": "q1", "value": 0.25}}),
    ("GET", "/api/rooms/{code}/events", {"code": ROOM}),
    ("POST", "/api/rooms/{code}/answers", {"code": ROOM, "question": "q1", "client": "client-0002", "value": 1.5}),
    ("GET", "/api/rooms/{code}/answers", {"code": ROOM, "question": "q1"}),
    ("GET", "/api/rooms/{code}/qr.svg", {"code": ROOM}),
    ("DELETE", "/api/rooms/{code}", {"code": ROOM}),
]
OK = {("POST", "/api/rooms"): 201, ("POST", "/api/rooms/{code}/answers"): 202}


def answer_models() -> dict[str, type[Answer]]:
    """Every response model by its name in /openapi.json."""
    found, todo = {}, [Answer]
    while todo:
        for sub in todo.pop().__subclasses__():
            found[sub.__name__] = sub
            todo.append(sub)
    return found


def documented(route: APIRoute):
    """The route's documented answer: a model (or type), or {event: model} for a stream."""
    ok = route.responses.get(200, {})
    if SVG in ok.get("content", {}):
        return SVG
    events = ok.get("content", {}).get(MEDIA_TYPE, {}).get("x-events")
    if events:
        models = answer_models()
        return {name: models[ref["$ref"].rsplit("/", 1)[1]] for name, ref in events.items()}
    return ok.get("model") or route.response_model


def api_routes(routes):
    """The app's APIRoutes, looking into included routers (FastAPI keeps them apart)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


ROUTES = {(method, route.path): route for route in api_routes(create_app().routes) if route.include_in_schema
          for method in route.methods}


def test_every_api_route_documents_its_answer_and_is_tried_here():
    undocumented = [key for key, route in ROUTES.items() if documented(route) in (None, dict)]
    assert undocumented == []
    assert set(ROUTES) == {(method, path) for method, path, _ in REQUESTS}


@pytest.mark.parametrize("method, path, request_", REQUESTS, ids=[f"{m} {p} {k}" for k, (m, p, _) in enumerate(REQUESTS)])
def test_every_field_sent_is_documented(client, method, path, request_):
    model = documented(ROUTES[(method, path)])
    request_ = dict(request_ or {})
    if request_.get("code") == ROOM:
        r = room_request(client, method, path, request_)
    else:
        url = path.format(**{k: request_.pop(k) for k in list(request_) if "{" + k + "}" in path})
        r = client.request(method, url, **({"json": request_} if method in ("POST", "PUT") else {"params": request_}))
    assert r.status_code == OK.get((method, path), 200), r.text[:300]
    if model == SVG:
        assert r.headers["content-type"] == SVG and r.text.startswith("<svg ")
    elif isinstance(model, dict):  # a stream: every event's data by its own model
        events = parse_sse(r.text)
        assert events and {name for name, _ in events} == set(model), [name for name, _ in events]
        for name, data in events:
            model[name].model_validate(data)
    else:
        TypeAdapter(model).validate_python(r.json())


def room_request(client, method: str, path: str, request_: dict):
    """The request on a new room (with a state, question q1 open and one answer), as its
    presenter. A room's event stream has no end until the room ends, so it is read from
    the app served on a socket while the presenter reveals the question and ends the room."""
    room = Room(client)
    room.publish("/graph?preset=logreg&step=8", question={"id": "q1", "node": "W", "element": [0, 1],
                                                          "prompt": "∂L/∂W[0,1]?"})
    room.answer("q1", "client-0001", 0.5)
    del request_["code"]
    url = path.format(code=room.code)
    if path.endswith("/events"):
        app = create_app()
        with serving(app) as base, httpx.Client(base_url=base, timeout=10) as live:
            room = Room(live)
            room.publish("/graph?step=1", question={"id": "q1", "node": "b"})
            with following(base, room.code) as follower:
                follower.until("question")
                room.publish("/graph?step=2", reveal={"id": "q1", "value": 0.25})
                follower.until("reveal")
                room.end()
                follower.until("closed")
            return httpx.Response(200, text="\n\n".join(
                f"event: {e.name}\ndata: {json.dumps(e.data)}" for e in follower.seen))
    if method in ("POST", "PUT"):
        return client.request(method, url, json=request_, headers=room.auth)
    return client.request(method, url, params=request_, headers=room.auth)


def test_a_field_that_is_not_documented_fails():
    """The check above can fail: a run with a field RunResult does not declare."""
    run = {"label": "SGD", "optimizer": "sgd", "params": {"lr": 0.1}, "schedule": {"name": "constant"},
           "points": [[0.0, 0.0, 1.0]], "lr": [], "effective_lr": [], "gradient": [], "status": "max_steps",
           "stopped_at": 0}
    RunResult.model_validate(run)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        RunResult.model_validate({**run, "momentum_buffer": []})


def test_the_openapi_schema_refuses_undocumented_fields_too(client):
    """Schemathesis's response conformance reads the same: additionalProperties is false."""
    components = client.get("/openapi.json").json()["components"]["schemas"]
    for name in answer_models():
        assert components[name].get("additionalProperties") is False, name
