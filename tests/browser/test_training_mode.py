"""Training mode on /graph: one "train" iteration updates every param and shows the new pass."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.stepper import GRAPH, node_attr, open_graph, step_text, wait_run

pytestmark = pytest.mark.browser


def api_train(page, **body) -> dict:
    r = page.request.post("/api/graph/train", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.ok, r.text()
    return r.json()


def assert_shows(page, trace: dict) -> None:
    """Every node's data-value and data-grad are this pass's, fully revealed."""
    n = len(trace["forward"]) + len(trace["backward"])
    assert step_text(page) == f"{n} / {n}"
    for event in trace["forward"]:
        assert node_attr(page, event["node"], "value") == event["value"], event["node"]
    for event in trace["backward"]:
        assert node_attr(page, event["node"], "grad") == event["grad"], event["node"]


def loss_history(page) -> list[float]:
    return page.evaluate("() => Array.from(document.querySelector('[data-testid=loss-history]').data[0].y)")


def test_train_updates_every_param_and_shows_the_new_pass(page):
    open_graph(page, "preset=logreg")
    page.click("details.training summary")
    page.fill("[data-train=sgd][data-param=lr]", "0.5")
    page.click("[data-testid=train]")
    page.wait_for_function("() => document.body.dataset.run === 'done' && "
                           "document.querySelector('[data-testid=iteration]').textContent === '1'")
    result = api_train(page, preset="logreg", optimizer="sgd", params={"lr": 0.5}, iterations=1)
    assert_shows(page, result["trace"])
    w = result["updates"]["w"]
    assert node_attr(page, "w", "value") == w["after"]
    assert w["after"] == pytest.approx([b - 0.5 * g for b, g in zip(w["before"], w["grad"])])
    text = page.text_content("[data-update=w]")
    assert "− 0.5·(" in text and "=" in text  # w ← w − η·∂L/∂w written out with numbers
    assert loss_history(page) == result["losses"]
    query = parse_qs(urlsplit(page.url).query)
    assert query["iteration"] == ["1"] and query["lr"] == ["0.5"]


def test_train_ten_and_a_url_reopen_the_same_iteration(page):
    open_graph(page, "preset=mlp&optimizer=adam&lr=0.05")
    page.click("[data-testid=train-10]")
    page.wait_for_function("() => document.body.dataset.run === 'done' && "
                           "document.querySelector('[data-testid=iteration]').textContent === '10'")
    result = api_train(page, preset="mlp", optimizer="adam", params={"lr": 0.05}, iterations=10)
    assert_shows(page, result["trace"])
    assert loss_history(page) == result["losses"] and result["losses"][-1] < result["losses"][0]
    page.reload()
    wait_run(page)
    assert page.text_content("[data-testid=iteration]") == "10"
    assert node_attr(page, "W1", "value") == next(f["value"] for f in result["trace"]["forward"] if f["node"] == "W1")
    assert page.locator("details.training").get_attribute("open") is not None


def test_a_new_program_starts_again_from_iteration_zero(page):
    open_graph(page, "preset=logreg&iteration=3&lr=0.5")
    assert page.text_content("[data-testid=iteration]") == "3"
    page.select_option("[data-testid=preset]", "relu_layer")
    page.wait_for_function("() => document.body.dataset.run === 'done' && "
                           "document.querySelector('[data-testid=iteration]').textContent === '0'")
    assert "iteration" not in parse_qs(urlsplit(page.url).query)
    assert page.locator(f"{GRAPH} [data-node-id]").count() > 0


def test_equal_init_hidden_units_stay_equal_after_training_from_the_init_pages_link(page):
    """/init's symmetry card links to /graph after 20 SGD updates: W1's columns (one per hidden
    unit) are still equal, fully revealed without a step in the link."""
    page.goto("/init")
    page.wait_for_function("() => document.body.dataset.state === 'ready'")
    links = page.locator("[data-train-link]")
    assert links.count() == 3
    page.goto(links.nth(1).get_attribute("href"))  # all weights equal
    wait_run(page)
    assert page.text_content("[data-testid=iteration]") == "20"
    W1 = node_attr(page, "W1", "value")
    assert all(max(row) - min(row) < 1e-12 for row in W1)  # the same in every column: one feature detector
    n = page.locator(f"{GRAPH} [data-node-id]").count()
    assert step_text(page) == f"{2 * n} / {2 * n}"
