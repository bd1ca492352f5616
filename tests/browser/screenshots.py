"""Screenshots for the README, at the projector's 1280×720.

    python -m tests.browser.screenshots            # writes docs/*.png
    python -m tests.browser.screenshots --out /tmp/shots --presenter

Starts the app on a free port and drives Debian's Chromium, like the browser tests.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, running_app

ROOT = Path(__file__).resolve().parents[2]

# name → (URL, what it shows)
SHOTS = {
    "landing": ("/", "the landing page"),
    "graph-forward": ("/graph?preset=logreg&step=5", "logistic regression, forward phase: u = wᵀx just computed"),
    "graph-backward": ("/graph?preset=colah&step=11", "e = (a + b)(b + 1), backward phase: b's fan-out sum 3 + 2 = 5"),
}


def take(out: Path, presenter: bool = False) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with running_app() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, base_url=base)
        for name, (url, _) in SHOTS.items():
            page = context.new_page()
            if presenter and url.startswith("/graph"):
                url += "&presenter=1"
            page.goto(url)
            if url.startswith("/graph"):
                page.wait_for_selector("body[data-run=done]")
                page.add_style_tag(content="*, *::before { animation: none !important; transition: none !important; }")
            path = out / f"{name}{'-presenter' if presenter else ''}.png"
            page.screenshot(path=str(path))
            written.append(path)
            page.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--presenter", action="store_true", help="graph pages in presenter mode")
    args = parser.parse_args()
    for path in take(args.out, args.presenter):
        print(path)


if __name__ == "__main__":
    main()
