"""/optimizers read from the back of the room (issue 18, item 9): every run's path shows,
the arrows' labels are large and apart, log axes say what their lines are, and the
formulas stay on their run cards."""

from __future__ import annotations

import itertools
import math
import re

import pytest

pytestmark = pytest.mark.browser

PLOT = "[data-testid=surface-plot]"


def open_race(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")


# Each run's path in the surface plot as drawn (Plotly's own PNG of it, read back through a
# canvas): the share of its points, a few pixels apart, where its own colour shows within
# 2 px of the point. A path drawn under another one's same pixels scores low.
PATH_SHOWS = """async (labels) => {
  const el = document.querySelector('[data-testid=surface-plot]');
  const url = await Plotly.toImage(el, { format: 'png', width: el.clientWidth, height: el.clientHeight });
  const img = new Image();
  img.src = url;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  const rgb = (css) => { ctx.fillStyle = css; const h = ctx.fillStyle.slice(1); return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)); };
  const { xaxis, yaxis } = el._fullLayout;
  const out = {};
  for (const label of labels) {
    const trace = el.data.find((t) => t.name === label);
    const colour = rgb(trace.line.color);
    let last = null;
    let shown = 0;
    let total = 0;
    for (let i = 1; i < trace.x.length; i += 1) {
      const px = xaxis._offset + xaxis.l2p(trace.x[i]);
      const py = yaxis._offset + yaxis.l2p(trace.y[i]);
      if (px < xaxis._offset + 3 || px > xaxis._offset + xaxis._length - 3) continue;
      if (py < yaxis._offset + 3 || py > yaxis._offset + yaxis._length - 3) continue;
      if (last && Math.hypot(px - last[0], py - last[1]) < 4) continue;
      last = [px, py];
      total += 1;
      const d = ctx.getImageData(Math.round(px) - 2, Math.round(py) - 2, 5, 5).data;
      for (let k = 0; k < d.length; k += 4) {
        if (Math.hypot(d[k] - colour[0], d[k + 1] - colour[1], d[k + 2] - colour[2]) < 40) { shown += 1; break; }
      }
    }
    out[label] = { shown, total };
  }
  return out;
}"""


def test_every_runs_path_shows_in_the_default_race_sgd_included(page):
    # SGD and momentum (both lr 0.001) and Adam start down the same valley from (−1.5, 2): SGD's
    # short path lies on the others' (the issue: it was hidden under them).
    open_race(page, "/optimizers")
    shows = page.evaluate(PATH_SHOWS, ["SGD", "Momentum", "Adam"])
    for label, s in shows.items():
        # Where three paths cross in momentum's zig-zag the lowest one's edge can be covered
        # for a few points; a path drawn under another of the same width shows nowhere.
        assert s["total"] >= 20, (label, s)
        assert s["shown"] >= 0.8 * s["total"], f"{label}'s path shows at {s['shown']} of {s['total']} points"
    assert shows["SGD"]["shown"] >= 0.9 * shows["SGD"]["total"]  # drawn on top


def label_boxes(page) -> list[dict]:
    """The arrows' labels as drawn: text, font size and box (px) of each annotation with text."""
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('{PLOT} .annotation'))
        .map((g) => g.querySelector('.annotation-text'))
        .filter((t) => t && t.textContent.trim())
        .map((t) => {{
            const r = t.getBoundingClientRect();
            return {{ text: t.textContent.trim(), size: parseFloat(getComputedStyle(t).fontSize),
                      box: [r.left, r.top, r.right, r.bottom] }};
        }})""")


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("url", [
    # the lecture's ravine at step 3: SGD's −η∇, and momentum's −η∇ then +αΔw tip to tail
    "/optimizers?surface=quadratic&start=-4.5,2&steps=20&run=sgd,lr=0.09&run=momentum,lr=0.09,momentum=0.5&step=3",
    # the default race at step 40: three runs' arrows close together on Rosenbrock's valley
    "/optimizers?step=40",
    "/optimizers?step=0",  # every run's first gradient step from the same start
])
def test_arrow_labels_are_large_in_presenter_mode_and_never_overlap(page, url):
    open_race(page, f"{url}&presenter=1&arrows=1")
    page.wait_for_function(f"() => document.querySelectorAll('{PLOT} .annotation-text').length > 0"
                           f" && document.querySelector('{PLOT}').layout.images.length === 1")
    labels = label_boxes(page)
    texts = sorted(label["text"] for label in labels)
    assert "−η∇" in texts
    if "momentum" in url or "step=40" in url:
        assert "+αΔw" in texts
    for label in labels:
        assert label["size"] >= 24, label  # 1.3 × the presenter's 20 px type
    for a, b in itertools.combinations(labels, 2):
        assert not overlap(a["box"], b["box"]), (a, b)


def test_arrow_labels_outside_presenter_mode_are_still_larger_than_the_axes(page):
    open_race(page, "/optimizers?step=40&arrows=1")
    page.wait_for_function(f"() => document.querySelectorAll('{PLOT} .annotation-text').length > 0")
    tick = page.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector('{PLOT} .xtick text')).fontSize)")
    labels = label_boxes(page)
    assert labels and all(label["size"] >= 1.25 * tick for label in labels)
    for a, b in itertools.combinations(labels, 2):
        assert not overlap(a["box"], b["box"]), (a, b)


def tick_value(text: str) -> float:
    """A tick label as a number: "0.05", "10<sup>−2</sup>" (10⁻²), "1e−9", "1"."""
    text = text.replace("−", "-").replace("\u2009", "")
    power = re.fullmatch(r"10<sup>(-?\d+)</sup>", text)
    if power:
        return 10.0 ** int(power.group(1))
    return float(text)


TICKS = """(testid) => {
  const ax = document.querySelector(`[data-testid=${testid}]`)._fullLayout.yaxis;
  return { type: ax.type, ticks: ax._vals.map((v) => [v.x, v.text]) };
}"""


@pytest.mark.parametrize(("chart", "kind"), [("loss-plot", "decades"), ("lr-plot", "full"), ("effective-lr-plot", "full")])
def test_log_axes_label_each_tick_with_its_full_value_or_only_decades(page, chart, kind):
    # The default race: the loss spans 10⁻³ … 10 (decades), the rates 0.001 … 0.02 (full values).
    open_race(page, "/optimizers")
    got = page.evaluate(TICKS, chart)
    assert got["type"] == "log" and len(got["ticks"]) >= 3
    for log_value, text in got["ticks"]:
        value = 10.0**log_value
        assert tick_value(text) == pytest.approx(value, rel=1e-6), f"a tick at {value:g} reads {text!r}"
        if kind == "decades":
            assert math.log10(value) == pytest.approx(round(math.log10(value)), abs=1e-9), text
    if kind == "full":
        assert any(not re.fullmatch(r"10*(\.0*1)?|0\.0*1", text) for _, text in got["ticks"]), "2s and 5s in full"


FORMULAS_URL = "/optimizers?run=adam,lr=0.02&run=rprop&run=adadelta&run=nesterov,lr=0.001&run=adamw,lr=0.02"


def formula_overflow(page) -> list[str]:
    """Every piece of a run card's formula that reaches past its card's edges."""
    return page.evaluate("""() => {
      const out = [];
      for (const card of document.querySelectorAll('.run-card')) {
        const c = card.getBoundingClientRect();
        for (const part of card.querySelectorAll('.formula-part')) {
          const r = part.getBoundingClientRect();
          if (r.width && (r.right > c.right + 0.5 || r.left < c.left - 0.5)) {
            out.push(`${card.dataset.label}: ${part.textContent} ${Math.round(r.left)}-${Math.round(r.right)} of ${Math.round(c.left)}-${Math.round(c.right)}`);
          }
        }
      }
      return out;
    }""")


def test_formulas_wrap_or_fit_their_run_cards_at_the_projector(page):
    open_race(page, f"{FORMULAS_URL}&presenter=1")
    assert page.locator(".run-card").count() == 5
    assert formula_overflow(page) == []
    adam = page.locator('.run-card[data-label="Adam"] .formula-line')
    assert adam.count() >= 4  # three statements, and the note on bias correction on lines of their own


def test_formulas_wrap_or_fit_their_run_cards_on_a_phone(phone_page):
    open_race(phone_page, FORMULAS_URL)
    assert formula_overflow(phone_page) == []
    rprop = phone_page.locator('.run-card[data-label="RProp"] .formula-part')
    assert rprop.count() >= 5  # its cases, the clipping and the update, each able to wrap
