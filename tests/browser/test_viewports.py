"""Nothing scrolls sideways, and every page opens at its top: on a 390 × 844 phone and on a
1280 × 720 projector in presenter mode, every page once it is drawn (issue 18, item 8)."""

from __future__ import annotations

import pytest

from app.routers.pages import NAV
from tests.browser.reading import READY, wait_ready

pytestmark = pytest.mark.browser

# The page's width as the browser lays it out, and for the failure message the elements
# that stick out past the window while their parent does not (where to look).
MEASURE = """(width) => {
  const over = [];
  const sticksOut = (el) => { const box = el.getBoundingClientRect(); return box.width > 0 && box.right > width + 0.5; };
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName !== 'svg') continue;
    const box = el.getBoundingClientRect();
    if (sticksOut(el) && !(el.parentElement && sticksOut(el.parentElement))) {
      const testid = el.dataset?.testid ? `[data-testid=${el.dataset.testid}]` : '';
      const cls = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\\s+/).join('.')}` : '';
      over.push(`${el.tagName.toLowerCase()}${testid}${cls} reaches ${Math.round(box.right)} px`);
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    scrollY: window.scrollY,
    over: over.slice(0, 6),
  };
}"""


def assert_fits(page, width: int) -> None:
    m = page.evaluate(MEASURE, width)
    where = "; ".join(m["over"]) or "no single element"
    # A phone's browser widens its layout to fit what overflows (zooming the page out), so
    # innerWidth is checked against the device's width too, not only against scrollWidth.
    assert m["innerWidth"] == width, f"the page laid out {m['innerWidth']} px wide on a {width} px screen: {where}"
    assert m["scrollWidth"] <= m["innerWidth"], f"{m['scrollWidth']} px wide on a {width} px screen: {where}"
    assert m["scrollY"] == 0, f"opened scrolled {m['scrollY']} px down"


@pytest.mark.parametrize("path", list(READY))
def test_every_page_fits_a_phone_and_opens_at_its_top(phone_page, path):
    phone_page.goto(path)
    wait_ready(phone_page, path)
    assert_fits(phone_page, 390)


@pytest.mark.parametrize("path", list(READY))
def test_every_page_fits_the_projector_in_presenter_mode_and_opens_at_its_top(page, path):
    page.goto(f"{path}?presenter=1")
    wait_ready(page, path)
    assert page.evaluate("() => document.documentElement.classList.contains('presenter')")
    assert_fits(page, 1280)


def test_the_header_keeps_one_row_of_pages_on_a_phone_and_on_the_projector(phone_page, page):
    """The brand, the tools (icons only on a phone) and the pages' links all inside the window;
    the nav's text light on the header's dark background."""
    for p, width, query in ((phone_page, 390, ""), (page, 1280, "?presenter=1")):
        p.goto(f"/{query}")
        wait_ready(p, "/")
        header = p.evaluate("""() => {
          const visible = (el) => el.getClientRects().length > 0;
          const links = [...document.querySelectorAll('.site-nav a')].filter(visible);
          const tools = [...document.querySelectorAll('.header-tools button')].filter(visible);
          const lum = (rgb) => {
            const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map((c) => {
              const v = Number(c) / 255;
              return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const bg = lum(getComputedStyle(document.querySelector('.site-header')).backgroundColor);
          return {
            names: links.map((a) => a.textContent.trim()),
            rows: new Set(links.map((a) => Math.round(a.getBoundingClientRect().top))).size,
            right: Math.max(...[...links, ...tools, document.querySelector('.brand')].map((el) => el.getBoundingClientRect().right)),
            toolWidths: tools.map((b) => b.getBoundingClientRect().width),
            contrast: Math.min(...links.map((a) => (lum(getComputedStyle(a).color) + 0.05) / (bg + 0.05))),
            height: document.querySelector('.site-header').getBoundingClientRect().height,
            headerVar: parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--header-h')),
          };
        }""")
        pages = [link.title for link in NAV if link.id != "home"]
        assert header["names"] == (pages if width == 390 else ["Home", *pages])  # on a phone the brand is home
        assert header["rows"] == 1 and header["right"] <= width
        assert header["contrast"] >= 7  # WCAG AAA for the nav's text
        assert header["height"] == header["headerVar"]  # what pages sized to the window subtract
        if width == 390:
            assert all(w <= 48 for w in header["toolWidths"]), "the phone's tools show their icons only"
