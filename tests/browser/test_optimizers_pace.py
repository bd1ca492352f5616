"""Playing a race at a pace a lecturer can talk over (issue 18, item 10): the whole race in
8 s by default whatever its steps, and a play/pause button drawn as SVG, not a font glyph."""

from __future__ import annotations

import pytest

from tests.browser.reading import query_lists

pytestmark = pytest.mark.browser

PLAY = "[data-testid=play]"


def open_race(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => Number(document.body.dataset.races ?? 0) >= 1")


def test_the_default_pace_is_a_whole_race_in_8_seconds(page):
    open_race(page, "/optimizers?steps=50")
    assert page.input_value("[data-testid=speed]") == "8"
    options = page.locator("[data-testid=speed] option").all_text_contents()
    assert options == ["2 s a race", "4 s a race", "8 s a race", "15 s a race", "30 s a race"]
    assert "pace" not in query_lists(page)  # the default is not written
    page.select_option("[data-testid=speed]", "15")
    assert query_lists(page)["pace"] == ["15"]


@pytest.mark.parametrize("steps", [60, 1500])
def test_a_race_plays_in_its_pace_whatever_its_steps(page, steps):
    open_race(page, f"/optimizers?steps={steps}&pace=2")
    page.click(PLAY)
    # The page notes how long the playback took (ms, from its first frame to its last).
    page.wait_for_function("() => document.body.dataset.played !== undefined", timeout=15_000)
    played = int(page.evaluate("() => Number(document.body.dataset.played)"))
    assert played >= 2000  # never faster than the pace: the step follows the clock
    assert played < 4000  # a slow frame skips steps instead of stretching the race
    assert page.text_content("[data-testid=step]") == f"{steps} / {steps}"


def test_play_and_pause_are_svg_icons_that_say_what_they_do(page):
    open_race(page, "/optimizers?steps=2000&pace=30")
    button = page.locator(PLAY)
    assert button.text_content().strip() == ""  # no character that a font may lack (⏸)
    shown = "(b) => Array.from(b.querySelectorAll('svg')).filter((s) => getComputedStyle(s).display !== 'none').map((s) => s.classList[1])"
    assert button.evaluate(shown) == ["icon-play"]
    assert button.get_attribute("aria-label") == "Play"
    button.click()
    assert button.get_attribute("aria-label") == "Pause" and button.get_attribute("data-playing") == "true"
    assert button.evaluate(shown) == ["icon-pause"]
    assert button.locator("svg.icon-pause").bounding_box()["width"] > 10  # drawn, not an empty box
    page.keyboard.press(" ")  # pause
    assert button.get_attribute("aria-label") == "Play"
    assert button.evaluate(shown) == ["icon-play"]
