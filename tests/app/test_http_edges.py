"""HTTP at the edges (issue 19): a bug's 500 keeps its headers and its connection, a body
over the limit is refused before it is read, HEAD and 405 as HTTP has them, a POST is
never a 304, and the body's and URL's own faults said plainly."""

from __future__ import annotations

import http.client
import json
import logging
from urllib.parse import urlsplit

import pytest

import app.routers.init as init_router
from engine.limits import MAX_BODY_BYTES
from tests.browser.harness import running_app

DEEP = {"depth": 3, "width": 4, "samples": 4, "activation": "tanh", "seed": 0}


def bug(**kwargs):
    raise ValueError("Too many bins for data range")


@pytest.fixture
def server(monkeypatch):
    """The real app under uvicorn, whose /api/init/deep has a bug."""
    monkeypatch.setattr(init_router, "deep_network", bug)
    with running_app() as url:
        yield urlsplit(url)


def test_a_bug_is_one_json_500_with_the_headers_and_the_connection_stays_usable(server, caplog):
    """The 500 once went out from Starlette's outermost middleware, without the security
    headers, and the exception then reached uvicorn, which dropped the keep-alive
    connection: 198 of 200 requests that followed on it failed."""
    connection = http.client.HTTPConnection(server.hostname, server.port, timeout=10)
    with caplog.at_level(logging.ERROR):
        for k in range(3):
            connection.request("POST", "/api/init/deep", body=json.dumps({**DEEP, "seed": k}),
                               headers={"Content-Type": "application/json"})
            r = connection.getresponse()
            body = json.loads(r.read())
            assert r.status == 500 and body["detail"]["message"].startswith("internal error: ValueError;")
            assert r.getheader("X-Content-Type-Options") == "nosniff" and r.getheader("Referrer-Policy") == "no-referrer"
            connection.request("GET", "/api/health")  # the same connection
            r = connection.getresponse()
            assert r.status == 200 and json.loads(r.read())["status"] == "ok"
    connection.close()
    ours = [rec for rec in caplog.records if rec.name == "backproplab"]
    assert len(ours) == 3 and all(rec.exc_info[0] is ValueError for rec in ours)  # each bug logged once
    assert not [rec for rec in caplog.records if "Exception in ASGI application" in rec.getMessage()]


def test_a_body_over_the_limit_is_a_413_before_it_is_read(server):
    """A 60 MB body is refused from its Content-Length, with only its first bytes sent."""
    connection = http.client.HTTPConnection(server.hostname, server.port, timeout=10)
    connection.putrequest("POST", "/api/schedules/curve")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(60_000_000))
    connection.endheaders(b'{"schedule": "constant", "lr": 0.1, "pad": "' + b"x" * 1000)
    r = connection.getresponse()
    assert r.status == 413
    assert json.loads(r.read())["detail"] == {
        "message": f"the request body is larger than {MAX_BODY_BYTES:,} bytes (limit max_body_bytes)",
        "limit": "max_body_bytes"}
    connection.close()


def test_a_body_without_a_length_is_refused_once_it_passes_the_limit(client):
    def chunks():
        yield b'{"schedule": "constant", "lr": 0.1, "pad": "'
        for _ in range(20):
            yield b"x" * 100_000
        yield b'"}'

    r = client.post("/api/schedules/curve", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"]["limit"] == "max_body_bytes"


def test_a_large_body_is_parsed_off_the_event_loop(client, hops):
    """Up to a megabyte of JSON is read in the thread pool, so /api/health waits for none of it."""
    body = json.dumps({"schedule": {"name": "constant"}, "lr": 0.1, "steps": 10, "losses": [0.5] * 20_000})
    assert len(body) > 64 * 1024
    before = hops[0]
    r = client.post("/api/schedules/curve", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "losses" in r.json()["detail"]["message"], r.text
    assert hops[0] > before  # the parse hopped to a thread (and nothing else could: the schema refused it)
    small = hops[0]
    r = client.post("/api/schedules/curve", content='{"lr": 0.1, "steps": 10, "x": 1}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and hops[0] == small  # a small body is read where it arrives


@pytest.mark.parametrize("path", ["/api/health", "/api/optimizers", "/api/surfaces/quadratic/grid?n=8",
                                  "/api/graph/trace/stream?preset=mul", "/", "/static/js/lib/format.js"])
def test_head_is_answered_as_get_without_the_body(client, path):
    get, head = client.get(path), client.head(path)
    assert get.status_code == head.status_code == 200 and head.content == b""
    for name in ("content-type", "content-length", "etag", "x-content-type-options"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_head_on_a_race_stream_stops_after_its_headers(client):
    request = {"surface": "rosenbrock", "steps": 10_000, "runs": [{"optimizer": "adam"}] * 12}
    r = client.head("/api/optimize/stream", params={"request": json.dumps(request)})
    assert r.status_code == 200 and r.content == b"" and r.headers["content-type"].startswith("text/event-stream")


@pytest.mark.parametrize("method, path, allow", [
    ("DELETE", "/api/health", "GET, HEAD"),
    ("PUT", "/api/graph/trace", "POST"),
    ("POST", "/api/surfaces", "GET, HEAD"),
])
def test_a_405_names_what_is_allowed_in_its_allow_header(client, method, path, allow):
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow
    assert r.json()["detail"]["message"] == f"{method} is not allowed here; {path} takes {allow}"


@pytest.mark.parametrize("if_none_match", ["*", None])
def test_a_post_is_answered_whatever_its_if_none_match(client, if_none_match):
    """RFC 9110 keeps 304 for GET and HEAD; a POST with `If-None-Match: *` once got an empty 304."""
    first = client.post("/api/graph/trace", json={"preset": "colah"})
    tag = if_none_match or first.headers["etag"]
    r = client.post("/api/graph/trace", json={"preset": "colah"}, headers={"If-None-Match": tag})
    assert r.status_code == 200 and r.json()["loss"] == first.json()["loss"]
    get = client.get("/api/graph/trace/stream", params={"preset": "colah"})
    assert client.get("/api/graph/trace/stream", params={"preset": "colah"},
                      headers={"If-None-Match": get.headers["etag"]}).status_code == 304  # a GET still is


@pytest.mark.parametrize("body, message", [
    ('{"program": "z = input(1.0)", "n": ' + "9" * 5000 + "}",
     "the body is not valid JSON (at character 36: a number of 5,000 digits; at most 4,300 can be read)"),
    ('{"program": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "the body is not valid JSON (at character 512: brackets nested more than 500 deep)"),
])
def test_a_body_python_cannot_read_says_what_and_where(client, body, message):
    """Both once answered 400 "There was an error parsing the body"."""
    r = client.post("/api/graph/trace", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"]["message"] == message


@pytest.mark.parametrize("path, body, where", [
    ("/api/graph/train", {"preset": "logreg", "iteration": 100, "lr": 0.5},
     "unknown keys 'iteration' (did you mean 'iterations'?), 'lr' (a hyperparameter: put it in params"),
    ("/api/graph/trace", {"preset": "mul", "step": 3}, "unknown key 'step'; the keys are: program, preset"),
    ("/api/graph/gradcheck", {"presets": "mul"}, "unknown key 'presets' (did you mean 'preset'?)"),
    ("/api/optimize", {"surface": "quadratic", "runs": [{"optimizer": "sgd", "lable": "a"}]},
     "runs.0: unknown key 'lable' (did you mean 'label'?); the keys are: optimizer, params, schedule, label"),
    ("/api/init/deep", {**DEEP, "activations": "relu"}, "unknown key 'activations' (did you mean 'activation'?)"),
])
def test_an_unknown_key_is_a_422_naming_it_and_the_keys_allowed(client, path, body, where):
    """`{"preset": "logreg", "iteration": 100, "lr": 0.5}` once trained one step at the default rate, 200."""
    r = client.post(path, json=body)
    assert r.status_code == 422 and where in r.json()["detail"]["message"], r.text


def test_a_range_error_in_a_run_names_its_owner_and_param(client):
    """The page marks the box from `owner` and `param` (the schema's errors once lacked them)."""
    r = client.post("/api/optimize", json={"surface": "quadratic", "runs": [{"optimizer": "adam"},
                                                                           {"optimizer": "sgd", "params": {"lr": 11}}]})
    detail = r.json()["detail"]
    assert r.status_code == 422 and (detail["owner"], detail["param"]) == ("sgd", "lr")
    assert detail["message"] == "runs.1: sgd: lr must be between 0 and 10, got 11"
    assert detail["errors"][0]["loc"] == ["body", "runs", 1]
    r = client.post("/api/graph/train", json={"preset": "logreg", "schedule": {"name": "step", "every": -1}})
    assert (r.json()["detail"]["owner"], r.json()["detail"]["param"]) == ("step", "every")


@pytest.mark.parametrize("path", ["/api/graph/trace/stream?program=%FF", "/api/optimize/stream?request=%7B%FF%7D",
                                  "/api/surfaces/quadratic/grid?n=%C3"])
def test_a_url_that_is_not_utf8_says_so(client, path):
    """It once reported an invalid character "�" (U+FFFD) the user never typed."""
    r = client.get(path)
    assert r.status_code == 400 and "�" not in r.text
    assert r.json()["detail"]["message"].startswith("the URL is not valid UTF-8 (it has %")
