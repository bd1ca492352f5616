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
from tests.browser.reading import wait_ready

ROOT = Path(__file__).resolve().parents[2]

# name → (URL, what it shows, the element to capture or None for the window)
SHOTS = {
    "landing": ("/", "the landing page", None),
    "graph-forward": ("/graph?preset=logreg&step=5", "logistic regression, forward phase: u = wᵀx just computed", None),
    "graph-backward": ("/graph?preset=colah&step=10", "e = (a + b)(b + 1), backward phase: b's fan-out sum 3 + 2 = 5",
                       None),
    "optimizers": ("/optimizers", "the race page: SGD, momentum and Adam on Rosenbrock", None),
    "race-ravine": (("/optimizers?surface=quadratic&start=-4.5,2&steps=50&run=sgd,lr=0.09"
                     "&run=momentum,lr=0.09,momentum=0.5,label=Momentum%2C%20%CE%B1%20%3D%200.5&step=4&arrows=1"),
                    "momentum in a ravine, with the update, −η∇ and +αΔw arrows at step 4", ".race-layout"),
    "race-adagrad": ("/optimizers?surface=rosenbrock&start=-1.5,2&steps=2000&run=adagrad,lr=0.5&run=rmsprop,lr=0.01",
                     "AdaGrad's effective rate only falls, RMSProp's recovers", ".race-layout"),
    "schedules": ("/schedules?schedule=newbob", "every learning-rate schedule; NewBOB reacting to a race's loss", None),
    "init": ("/init?depth=50&width=2&activation=linear&init=identity&gain=2&seed=0",
             "deep linear with W = 2I: the gradient grows as 2^(L−l) towards the input", None),
    "init-symmetry": ("/init", "zero and equal initialisation: every hidden unit gets the same gradient", ".symmetry"),
    "trainability": ("/trainability", "the trainability map: the edge between learning rates that train and diverge",
                     None),
    "graph-training": ("/graph?preset=logreg&lr=0.5&iteration=12&optimizer=sgd&step=16",
                       "training mode: logistic regression after 12 SGD updates", None),
}



def take(out: Path, presenter: bool = False) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with running_app() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, base_url=base)
        for name, (url, _, element) in SHOTS.items():
            page = context.new_page()
            if presenter and url != "/":
                url += ("&" if "?" in url else "?") + "presenter=1"
            page.goto(url)
            if url.split("?")[0] != "/":
                wait_ready(page)
                page.add_style_tag(content="*, *::before { animation: none !important; transition: none !important; }")
            path = out / f"{name}{'-presenter' if presenter else ''}.png"
            if element:
                page.locator(element).screenshot(path=str(path))
            else:
                page.screenshot(path=str(path))
            written.append(path)
            page.close()
        written.append(room_quiz(context, out / "room-quiz.png"))
        browser.close()
    return written


# What a room of students answers for ∂e/∂b (the engine's value is 5): most of them right.
ANSWERS = [5, 5, 5, 5, 5, 5, 5, 4, 4, 3, 6, 2, 5, 1, 5, 3, 5, 5, 4, 6]


def room_quiz(context, path: Path) -> Path:
    """The lecturer's page in presenter mode after the room predicted ∂e/∂b and the step revealed it."""
    page = context.new_page()
    page.goto("/graph?preset=colah&step=9&presenter=1")
    wait_ready(page)
    page.click("[data-testid=room-start]")
    page.wait_for_selector("[data-testid=room-qr]:not([hidden])")
    page.keyboard.press("Escape")  # the QR code
    page.wait_for_selector("[data-testid=quiz-ask]:enabled")
    page.keyboard.press("q")
    page.wait_for_selector("[data-testid=quiz-histogram]")
    code = page.inner_text("[data-testid=room-code-value]")
    room = page.request.get(f"/api/rooms/{code}").json()
    for k, value in enumerate(ANSWERS):
        page.request.post(f"/api/rooms/{code}/answers",
                          data={"question": room["question"]["id"], "client": f"screenshot{k:04d}", "value": value})
    page.wait_for_function("(n) => document.querySelector('[data-testid=quiz-histogram]').dataset.count === String(n)",
                           arg=len(ANSWERS))
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("[data-testid=quiz-result][data-value]")
    page.wait_for_function("() => document.querySelector('[data-testid=quiz-histogram]').layout.shapes.length === 1")
    page.screenshot(path=str(path))
    page.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--presenter", action="store_true", help="pages in presenter mode")
    args = parser.parse_args()
    for path in take(args.out, args.presenter):
        print(path)


if __name__ == "__main__":
    main()
