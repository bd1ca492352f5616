"""Training mode on /graph: one "train" iteration updates every param and shows the new pass."""

from __future__ import annotations

import json

import pytest

from tests.browser.reading import query, query_lists
from tests.browser.stepper import GRAPH, backward_steps, node_attr, open_graph, step_count, step_text, wait_run

pytestmark = pytest.mark.browser


def api_train(page, **body) -> dict:
    r = page.request.post("/api/graph/train", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.ok, r.text()
    return r.json()


def assert_shows(page, trace: dict) -> None:
    """Every node's data-value and data-grad are this pass's, fully revealed."""
    n = step_count(trace)
    assert step_text(page) == f"{n} / {n}"
    for event in trace["forward"]:
        assert node_attr(page, event["node"], "value") == event["value"], event["node"]
    for event in backward_steps(trace):
        assert node_attr(page, event["node"], "grad") == event["grad"], event["node"]


def loss_history(page) -> list[float]:
    return page.evaluate("() => Array.from(document.querySelector('[data-testid=loss-history]').data[0].y)")


def wait_iteration(page, n: int) -> None:
    page.wait_for_function(
        "n => document.body.dataset.run === 'done' && "
        "document.querySelector('[data-testid=iteration]').textContent === String(n)",
        arg=n,
    )


def test_train_updates_every_param_and_shows_the_new_pass(page):
    open_graph(page, "preset=logreg")
    page.click("details.training summary")
    page.fill("[data-train=sgd][data-param=lr]", "0.5")
    page.click("[data-testid=train]")
    wait_iteration(page, 1)
    result = api_train(page, preset="logreg", optimizer="sgd", params={"lr": 0.5}, iterations=1)
    assert_shows(page, result["trace"])
    w = result["updates"]["w"]
    assert node_attr(page, "w", "value") == w["after"]
    assert w["after"] == pytest.approx([b - 0.5 * g for b, g in zip(w["before"], w["grad"])])
    text = page.text_content("[data-update=w]")
    assert "− 0.5·(" in text and "=" in text  # w ← w − η·∂loss/∂w written out with numbers
    assert "w ← w − η·∂loss/∂w with η = 0.5" in page.text_content("[data-testid=last-update]")  # the output's name
    assert loss_history(page) == result["losses"]
    query = query_lists(page)
    assert query["iteration"] == ["1"] and query["lr"] == ["0.5"]


def test_train_ten_and_a_url_reopen_the_same_iteration(page):
    open_graph(page, "preset=mlp&optimizer=adam&lr=0.05")
    page.click("[data-testid=train-10]")
    wait_iteration(page, 10)
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
    wait_iteration(page, 0)
    assert "iteration" not in query_lists(page)
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
    consts = page.locator(f"{GRAPH} [data-node-id].kind-const").count()  # no backward step of their own
    assert step_text(page) == f"{2 * n - consts} / {2 * n - consts}"


def on_screen(page) -> dict:
    """What a student reads: the iteration, the output's value, the step and the loss history."""
    return {
        "iteration": page.text_content("[data-testid=iteration]"),
        "loss": node_attr(page, "loss", "value"),
        "step": step_text(page),
        "history": loss_history(page),
    }


def reopen(page, page_log) -> dict:
    """Open the page's URL in a new page, as a student following the link would, and read it."""
    other = page.context.new_page()
    other.on("console", page_log.on_console)
    other.on("pageerror", lambda error: page_log.page_errors.append(str(error)))
    other.goto(page.url)
    wait_run(other)
    seen = on_screen(other)
    other.close()
    return seen


def test_changing_lr_after_training_starts_over_and_the_url_says_so(page, page_log):
    open_graph(page, "preset=logreg")
    page.click("details.training summary")
    page.click("[data-testid=train-10]")
    wait_iteration(page, 10)
    assert query(page)["iteration"] == "10" and "lr" not in query(page)  # η = 0.01, the default
    notice = page.locator("[data-testid=train-notice]")
    assert notice.is_hidden()

    box = page.locator("[data-train=sgd][data-param=lr]")
    box.fill("")
    box.press_sequentially("0.5")  # as typed: 0, 0. and 0.5 are each a valid η on the way
    wait_iteration(page, 0)
    assert query(page)["lr"] == "0.5" and "iteration" not in query(page)
    assert notice.is_visible()
    assert notice.inner_text() == "η (lr) changed: training starts over from the program's values."
    program = api_train(page, preset="logreg", optimizer="sgd", params={"lr": 0.5}, iterations=0)
    assert_shows(page, program["trace"])  # the program's own pass, fully revealed
    assert node_attr(page, "w", "value") == [0.75, -0.25]
    assert loss_history(page) == program["losses"] and len(program["losses"]) == 1
    assert reopen(page, page_log) == on_screen(page)

    page.click("[data-testid=train-10]")
    wait_iteration(page, 10)
    result = api_train(page, preset="logreg", optimizer="sgd", params={"lr": 0.5}, iterations=10)
    assert_shows(page, result["trace"])
    assert loss_history(page) == result["losses"] and len(result["losses"]) == 11  # this run's only
    assert notice.is_hidden()
    assert query(page)["iteration"] == "10" and query(page)["lr"] == "0.5"
    seen = on_screen(page)
    assert seen["loss"] == result["losses"][-1]
    assert reopen(page, page_log) == seen


def test_switching_optimizer_after_training_starts_over(page, page_log):
    open_graph(page, "preset=logreg&lr=0.5")
    assert page.locator("details.training").get_attribute("open") is not None  # a link naming η opens training
    page.click("[data-testid=train-10]")
    wait_iteration(page, 10)
    page.select_option("[data-testid=train-optimizer]", "adam")
    wait_iteration(page, 0)
    assert query(page) == {"preset": "logreg", "step": "16", "optimizer": "adam"}  # Adam's own defaults
    assert page.text_content("[data-testid=train-notice]") == (
        "optimizer changed to Adam: training starts over from the program's values."
    )
    assert len(loss_history(page)) == 1
    assert reopen(page, page_log) == on_screen(page)

    page.click("[data-testid=train-10]")
    wait_iteration(page, 10)
    result = api_train(page, preset="logreg", optimizer="adam", params={}, iterations=10)
    assert_shows(page, result["trace"])
    assert loss_history(page) == result["losses"]
    seen = on_screen(page)
    assert seen["loss"] == result["losses"][-1] and seen["iteration"] == "10"
    assert reopen(page, page_log) == seen


def test_changing_a_setting_at_iteration_zero_only_rewrites_the_url(page):
    open_graph(page, "preset=logreg")
    page.click("details.training summary")
    page.fill("[data-train=sgd][data-param=lr]", "0.2")
    page.wait_for_function("() => new URLSearchParams(location.search).get('lr') === '0.2'")
    assert page.locator("[data-testid=train-notice]").is_hidden()  # nothing was trained, nothing starts over
    assert page.text_content("[data-testid=iteration]") == "0"


def test_a_change_while_training_is_under_way_drops_that_training(page, page_log):
    """η changes while a ×10 is still on its way: its answer (made with the old η) never shows."""
    open_graph(page, "preset=logreg")
    page.click("details.training summary")
    held = []
    page.route("**/api/graph/train", lambda route: held.append(route))  # hold the request until the change is made
    page.click("[data-testid=train-10]")
    page.wait_for_function("() => document.body.dataset.run === 'running'")
    assert len(held) == 1
    page.fill("[data-train=sgd][data-param=lr]", "0.5")
    wait_iteration(page, 0)
    assert page.locator("[data-testid=train-notice]").is_visible()
    assert query(page)["lr"] == "0.5" and "iteration" not in query(page)
    assert held[0].request.failure == "net::ERR_ABORTED"  # the page dropped it: nothing to let through
    page_log.failed_requests.remove(f"{held[0].request.url} net::ERR_ABORTED")  # the page's own cancel: expected
    page.unroute("**/api/graph/train")
    page.click("[data-testid=train]")
    wait_iteration(page, 1)
    result = api_train(page, preset="logreg", optimizer="sgd", params={"lr": 0.5}, iterations=1)
    assert loss_history(page) == result["losses"]
    assert node_attr(page, "loss", "value") == result["losses"][-1]
