"""POST /api/schedules/curve: η(t) as the runner applies it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.contract import SCHEDULE_IDS


@pytest.mark.parametrize("sid", SCHEDULE_IDS)
def test_every_schedule_has_a_curve_starting_at_lr(client, sid):
    r = client.post("/api/schedules/curve", json={"schedule": {"name": sid}, "lr": 0.2, "steps": 50})
    assert r.status_code == 200, r.text
    curve = r.json()
    assert curve["t"] == list(range(50)) and len(curve["lr"]) == 50
    if sid != "piecewise":  # piecewise's rates are its own values
        assert curve["lr"][0] == pytest.approx(0.2)


def test_step_decay_by_hand(client):
    r = client.post("/api/schedules/curve", json={"schedule": {"name": "step", "every": 3, "gamma": 0.5},
                                                  "lr": 0.8, "steps": 8})
    assert r.json()["lr"] == pytest.approx([0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2])


def test_newbob_reads_a_race_s_losses_exactly_as_the_race_does(client):
    run = {"optimizer": "sgd", "params": {"lr": 0.05}, "schedule": {"name": "newbob", "epoch_steps": 10}}
    race = client.post("/api/optimize", json={"surface": "quadratic", "steps": 300, "runs": [run],
                                               "noise": {"std": 3.0, "seed": 2}}).json()["runs"][0]
    losses = [p[2] for p in race["points"][1:]]
    r = client.post("/api/schedules/curve", json={"schedule": {"name": "newbob", "epoch_steps": 10}, "lr": 0.05,
                                                  "steps": 300, "losses": losses})
    assert r.json()["lr"] == race["lr"]
    assert min(race["lr"]) < 0.05  # the noisy loss stalls, so NewBOB has halved η at least once
    flat = client.post("/api/schedules/curve", json={"schedule": {"name": "newbob"}, "lr": 0.05, "steps": 30})
    assert np.allclose(flat.json()["lr"], 0.05)  # no losses: the constant η₀


@pytest.mark.parametrize("body", [{"schedule": {"name": "cosine", "period": 0}}, {"schedule": {"name": "nope"}},
                                  {"steps": 10_001}, {"lr": -1}, {"losses": [1.0, None]}])
def test_bad_curve_requests_are_422(client, body):
    r = client.post("/api/schedules/curve", json=body)
    assert r.status_code == 422 and r.json()["detail"]["message"]
