"""Each lecture scenario tells its story in numbers (what the page will draw)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from app.scenarios import SCENARIOS
from tests.contract import DESIGN_SCENARIOS


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


def test_lr_sizes_one_crawls_one_converges_one_diverges(client):
    small, right, large = race(client, "lr-sizes").values()
    assert small["status"] == "max_steps" and small["points"][-1][2] > 1.0
    assert right["points"][-1][2] < 1e-3
    assert large["status"] == "diverged"


def test_ravine_momentum_glides_where_sgd_zigzags(client):
    sgd, momentum = race(client, "ravine").values()
    y = np.array(sgd["points"])[:, 1]
    assert (np.diff(np.sign(y)) != 0).sum() >= 40  # SGD crosses the valley floor at almost every step
    assert momentum["points"][-1][2] < 1e-6 * sgd["points"][-1][2]


def test_momentum_damps_the_noise(client):
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


def test_adam_with_and_without_bias_correction(client):
    runs = race(client, "adam-bias")
    adam, lecture = runs["Adam"], runs["Adam, no bias correction"]
    first = [np.linalg.norm(np.subtract(r["points"][1][:2], r["points"][0][:2])) for r in (adam, lecture)]
    assert first[0] == pytest.approx(0.02 * np.sqrt(2), rel=1e-6)  # |M̂/√Ŝ| = 1 per coordinate at t = 1
    assert first[1] > 3 * first[0]  # (1 − α)/√(1 − β) ≈ 3.16 without the correction


def test_rprop_by_the_sign_beats_sgd_on_beale(client):
    sgd, rprop = race(client, "rprop-sign").values()
    assert rprop["points"][-1][2] < 1e-6 < sgd["points"][-1][2]


def test_sgd_lingers_at_the_saddle_and_adam_leaves(client):
    sgd, adam = race(client, "saddle").values()
    assert abs(sgd["points"][50][1]) < 0.2 < abs(adam["points"][50][1])


def test_a_dead_relu_unit_stops_momentum_and_the_others_fit(client):
    runs = race(client, "dead-relu")
    assert runs["Momentum"]["status"] == "converged" and runs["Momentum"]["points"][-1][2] > 2.0  # dead: flat
    for label in ("SGD", "Adam"):
        assert runs[label]["points"][-1][2] == pytest.approx(0.0086, abs=1e-3)
