"""Each lecture scenario tells its story in numbers (what the page will draw)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from app.scenarios import SCENARIOS
from engine.surfaces import RELU_DATA, SURFACES
from tests.contract import DESIGN_SCENARIOS

RELU_INPUTS, RELU_TARGETS = zip(*RELU_DATA)


def race(client, scenario_id: str) -> dict:
    scenario = next(s for s in SCENARIOS if s.id == scenario_id)
    r = client.post("/api/optimize", json=scenario.request())
    assert r.status_code == 200, r.text
    return {run["label"]: run for run in r.json()["runs"]}


def tail_loss(run, n=200):
    return float(np.mean([p[2] for p in run["points"][-n:]]))


def test_every_scenario_the_design_names_exists_and_its_link_is_the_url_format():
    ids = [s.id for s in SCENARIOS]
    assert set(DESIGN_SCENARIOS) <= set(ids) and len(ids) == len(set(ids))
    for s in SCENARIOS:
        query = parse_qs(urlsplit(s.href).query)
        assert urlsplit(s.href).path == "/optimizers"
        assert query["surface"] == [s.surface] and query["steps"] == [str(s.steps)]
        assert len(query["run"]) == len(s.runs)
        for text, run in zip(query["run"], s.runs):
            assert text.split(",")[0] == run.optimizer
            assert f"label={run.label}" in text  # one decoding gives the label back


def steps(run) -> np.ndarray:
    """The length of every update of a run."""
    return np.linalg.norm(np.diff(np.array(run["points"])[:, :2], axis=0), axis=1)


def test_lr_sizes_one_crawls_one_converges_one_diverges(client):
    small, right, large = race(client, "lr-sizes").values()
    assert small["status"] == "max_steps" and small["points"][-1][2] > 1.0
    assert right["points"][-1][2] < 1e-3
    assert large["status"] == "diverged"
    # "each step overshoots the valley more than the last": y flips sign and grows, by |1 − 20η| = 1.1
    y = np.array(large["points"])[:, 1]
    assert (np.sign(y[1:]) == -np.sign(y[:-1])).all()
    np.testing.assert_allclose(np.abs(y[1:]) / np.abs(y[:-1]), 1.1, rtol=1e-9)


def test_ravine_momentum_glides_where_sgd_zigzags(client):
    sgd, momentum = race(client, "ravine").values()
    y = np.array(sgd["points"])[:, 1]
    assert (np.diff(np.sign(y)) != 0).sum() >= 40  # SGD crosses the valley floor at almost every step
    assert momentum["points"][-1][2] < 1e-6 * sgd["points"][-1][2]


def test_momentum_damps_the_noise(client):
    scenario = next(s for s in SCENARIOS if s.id == "noisy-momentum")
    plain, heavy = (run.params for run in scenario.runs)
    assert heavy["lr"] / (1 - heavy["momentum"]) == pytest.approx(plain["lr"])  # the same effective step η/(1−α)
    sgd, momentum = race(client, "noisy-momentum").values()
    jitter = [np.abs(np.diff(np.array(r["points"])[-200:, :2], axis=0)).sum(axis=1).mean() for r in (sgd, momentum)]
    assert jitter[1] < jitter[0] / 3
    assert tail_loss(momentum) < tail_loss(sgd)


def test_a_decaying_rate_converges_where_a_constant_one_hovers(client):
    constant, decaying = race(client, "robbins-monro").values()
    assert tail_loss(decaying) < tail_loss(constant) / 10
    assert decaying["lr"][-1] == pytest.approx(0.05 / (1 + 999 / 20))


def test_adagrads_rate_only_falls_and_rmsprops_recovers(client):
    adagrad, rmsprop = race(client, "adagrad-rmsprop").values()
    a = np.array(adagrad["effective_lr"])
    r = np.array(rmsprop["effective_lr"])
    assert (np.diff(a, axis=0) <= 0).all()
    assert (np.diff(r, axis=0) > 0).any()
    assert rmsprop["points"][-1][2] < adagrad["points"][-1][2]
    # AdaGrad "slows to a halt": its last step is a thousandth of its first; RMSProp's keeps moving
    assert steps(adagrad)[-1] < steps(adagrad)[0] / 1000
    assert steps(rmsprop)[-1] > 10 * steps(adagrad)[-1]


def test_adam_with_and_without_bias_correction(client):
    runs = race(client, "adam-bias")
    adam, lecture = runs["Adam"], runs["Adam, no bias correction"]
    first = [np.linalg.norm(np.subtract(r["points"][1][:2], r["points"][0][:2])) for r in (adam, lecture)]
    assert first[0] == pytest.approx(0.02 * np.sqrt(2), rel=1e-6)  # |M̂/√Ŝ| = 1 per coordinate at t = 1
    assert first[1] > 3 * first[0]  # (1 − α)/√(1 − β) ≈ 3.16 without the correction


def test_rprop_by_the_sign_beats_sgd_on_beale(client):
    sgd, rprop = race(client, "rprop-sign").values()
    assert rprop["points"][-1][2] < 1e-6 < sgd["points"][-1][2]


def test_rprop_steps_grow_by_eta_plus_while_the_sign_holds_and_shrink_by_eta_minus_when_it_flips(client):
    rprop = race(client, "rprop-sign")["RProp"]
    size = np.array(rprop["effective_lr"])  # RProp's per-weight step sizes Δ(t)
    grad = np.array(rprop["gradient"])
    assert size[0].tolist() == [0.01, 0.01]  # Δ(1) = η⁺Δ(0) would be 0.012: the first step has no previous sign
    previous = grad[0]
    grew = shrank = 0
    for t in range(1, len(size)):
        held = np.sign(grad[t]) * np.sign(previous)
        expected = np.where(held > 0, np.minimum(1.2 * size[t - 1], 50.0),
                            np.where(held < 0, np.maximum(0.5 * size[t - 1], 1e-6), size[t - 1]))
        np.testing.assert_allclose(size[t], expected, rtol=1e-12)
        grew += int((held > 0).sum())
        shrank += int((held < 0).sum())
        previous = np.where(held < 0, 0.0, grad[t])  # after a flip the step skips the next comparison
    assert grew > 100 and shrank > 20


def test_sgd_lingers_at_the_saddle_and_adam_leaves(client):
    sgd, adam = race(client, "saddle").values()
    assert abs(sgd["points"][50][1]) < 0.2 < abs(adam["points"][50][1])
    leaves = [int(np.argmax(np.abs(np.array(r["points"])[:, 1]) > 0.2)) for r in (sgd, adam)]
    assert leaves[0] >= 24 and leaves[1] <= 6  # "dozens of steps" against "at once"


def test_a_dead_relu_unit_stalls_momentum_and_the_others_fit(client):
    runs = race(client, "dead-relu")
    momentum = runs["Momentum"]
    # Stopped on a zero gradient far above the fit's loss 0.0086: stalled, not converged
    assert (momentum["status"], momentum["stopped_at"]) == ("stalled", 177)
    w, b, loss = momentum["points"][-1]
    assert loss == pytest.approx(np.mean(np.square(RELU_TARGETS)))  # relu(·) = 0 everywhere: E = mean(t²)
    assert all(w * a + b < 0 for a in RELU_INPUTS)  # dead for every point: no gradient flows
    assert np.abs(momentum["gradient"][-1]).max() == 0.0
    (x0, x1), (y0, y1) = SURFACES["model_relu"].domain
    assert x0 < w < x1 and y0 < b < y1  # where it stalled is in the plot's window
    for label in ("SGD", "Adam"):
        assert runs[label]["status"] == "max_steps"
        assert runs[label]["points"][-1][2] == pytest.approx(0.0086, abs=1e-5)
