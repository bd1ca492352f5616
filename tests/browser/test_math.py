"""lib/math.js: the registries' formulas as MathML that Chromium lays out."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

RENDER = """async (texts) => {
  const { mathLines } = await import('/static/js/lib/math.js');
  return texts.map((text) => {
    const block = mathLines(text);
    document.body.append(block);
    const maths = [...block.querySelectorAll('math')];
    const out = {
      lines: maths.map((m) => m.getAttribute('aria-label')),
      tags: [...new Set([...block.querySelectorAll('*')].map((e) => e.localName))],
      widths: maths.map((m) => m.getBoundingClientRect().width),
      text: block.textContent,
    };
    block.remove();
    return out;
  });
}"""


def test_every_registry_formula_becomes_laid_out_mathml(page):
    page.goto("/")
    formulas = [item["formula"] for url in ("/api/optimizers", "/api/schedules", "/api/inits")
                for item in page.request.get(url).json()]
    for text, out in zip(formulas, page.evaluate(RENDER, formulas)):
        statements = [s.strip() for s in text.split(";") if s.strip()]
        assert out["lines"] == statements, text
        assert all(w > 10 for w in out["widths"]), text  # Chromium laid each line out as math
        assert "merror" not in out["tags"]
        if "√" in text:
            assert "msqrt" in out["tags"], text
        if "ᵗ" in text or "²" in text:
            assert "msup" in out["tags"], text


def test_scripts_radicals_and_words(page):
    """The structure, read off the MathML of three formulas."""
    page.goto("/")
    html = page.evaluate("""async () => {
      const { mathml } = await import('/static/js/lib/math.js');
      return ['η(t) = η₀·exp(−t/r)', 'Δx(t) = √(A(t−1) + ε)', 'η_min + αᵗ if x'].map((t) => mathml(t).innerHTML);
    }""")
    assert "<msub><mi>η</mi><mn>0</mn></msub>" in html[0] and "<mtext>&nbsp;exp&nbsp;</mtext>" in html[0]
    assert html[1].startswith("<mrow><mi>Δ</mi><mi>x</mi>") and "<msqrt><mi>A</mi>" in html[1]
    assert "<msub><mi>η</mi><mtext>min</mtext></msub>" in html[2] and "<msup><mi>α</mi><mi>t</mi></msup>" in html[2]
