"""The race as a video for slides (static/js/optimizers/animation.js), in Chromium: a real
WebM from MediaRecorder, and frames drawn where the plot's axes put each run."""

from __future__ import annotations

import itertools
import math

import pytest

pytestmark = pytest.mark.browser

RACE_URL = "/optimizers?surface=quadratic&start=-4.5,2&steps=60&run=sgd,lr=0.05&run=momentum,lr=0.02"
LABELS = ["SGD", "Momentum"]
EBML_MAGIC = [0x1A, 0x45, 0xDF, 0xA3]

# In the page: the module, the contour plot and the runs as main.js's drawn() gives them,
# read from the plot's traces named by the run labels.
SETUP = f"""
  const anim = await import('/static/js/optimizers/animation.js');
  const el = document.querySelector('[data-testid=surface-plot]');
  const runs = {LABELS}.map((label) => {{
    const t = el.data.find((trace) => trace.name === label);
    return {{ label, color: t.line.color, hidden: false,
             points: Array.from(t.x, (x, i) => [x, t.y[i], 0]) }};
  }});
"""


def open_race(page) -> None:
    page.goto(RACE_URL)
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")


def test_record_race_gives_a_webm_that_downloads_as_race_webm(page, tmp_path):
    open_race(page)
    with page.expect_download(timeout=30_000) as info:  # recording takes its 2 s in real time
        video = page.evaluate(f"""async () => {{
          {SETUP}
          const blob = await anim.recordRace(el, runs, {{ seconds: 1, fps: 30, title: 'Ill-conditioned bowl' }});
          const {{ download }} = await import('/static/js/optimizers/exports.js');
          download('race.webm', 'video/webm', blob);
          return {{ type: blob.type, size: blob.size, head: Array.from(new Uint8Array(await blob.slice(0, 4).arrayBuffer())) }};
        }}""")
    assert video["type"] == "video/webm"
    assert video["size"] > 1000
    assert video["head"] == EBML_MAGIC
    saved = tmp_path / "race.webm"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "race.webm"
    data = saved.read_bytes()
    assert len(data) == video["size"]
    assert list(data[:4]) == EBML_MAGIC


def test_a_frame_shows_each_run_up_to_its_step_with_a_marker_in_its_colour(page):
    open_race(page)
    frames = page.evaluate(f"""async () => {{
      {SETUP}
      const scene = await anim.prepareRace(el, runs, {{ seconds: 2, fps: 30, title: 'race' }});
      const rgb = (css) => {{ // a CSS colour as [r, g, b], as the canvas reads it
        const c = document.createElement('canvas').getContext('2d');
        c.fillStyle = css;
        const hex = c.fillStyle.slice(1);
        return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
      }};
      const at = (k) => {{
        anim.drawFrame(scene, k);
        const step = scene.stepAt(k);
        return {{
          k, step, label: anim.stepLabel(step, scene.total),
          runs: runs.map((run) => {{
            const [px, py] = scene.map(...run.points[Math.min(step, run.points.length - 1)]);
            const [lx, ly] = scene.map(...run.points.at(-1));
            const pixel = (x, y) => Array.from(scene.ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3));
            return {{ label: run.label, color: rgb(run.color), px, py, marker: pixel(px, py), end: pixel(lx, ly) }};
          }}),
        }};
      }};
      const steps = Array.from({{ length: scene.frames }}, (_, k) => scene.stepAt(k));
      return {{ steps, total: scene.total, frames: scene.frames, size: [scene.canvas.width, scene.canvas.height],
               first: at(0), middle: at(Math.floor(scene.raceFrames / 2)), last: at(scene.frames - 1) }};
    }}""")
    # 2 s of race and 1 s on the last frame at 30 fps; the steps run 0 … 60, never back.
    assert frames["total"] == 60
    assert frames["frames"] == 90
    assert frames["size"] == [1280, 720]
    steps = frames["steps"]
    assert steps[0] == 0 and steps[59] == 60 and steps[60:] == [60] * 30
    assert all(a <= b for a, b in itertools.pairwise(steps))
    assert 0 < frames["middle"]["step"] < 60

    def close(a, b, tolerance=6):
        return all(abs(x - y) <= tolerance for x, y in zip(a, b))

    for frame in (frames["middle"], frames["last"]):
        sgd, momentum = frame["runs"]
        # Markers (8 px, a 2.5 px outline) cover each other's centre below 21 px apart.
        assert math.dist((sgd["px"], sgd["py"]), (momentum["px"], momentum["py"])) > 21, (
            "markers overlap: pick another race"
        )
        for run in frame["runs"]:
            assert 0 <= run["px"] < 1280 and 0 <= run["py"] < 720, run
            assert close(run["marker"], run["color"]), (frame["step"], run)
    assert frames["last"]["label"] == "step 60 / 60"
    assert frames["middle"]["label"] == f"step {frames['middle']['step']} / 60"
    # On the first frame nothing has moved yet: where each run ends is still the contour.
    for run in frames["first"]["runs"]:
        assert not close(run["end"], run["color"], 40), run
    assert frames["first"]["label"] == "step 0 / 60"
