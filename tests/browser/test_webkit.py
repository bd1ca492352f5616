"""The second engine: WebKit (Safari's, every iPhone's), through Debian's WebKitWebDriver
(package webkit2gtk-driver) and Selenium, on a virtual screen (xvfb). Every page draws what
it loads, and a student's page in WebKit follows a lecturer's Chromium page through a room,
steps in place and answers the quiz.

Without the driver or Xvfb the tests skip with the reason; under CI=true they fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import warnings
from collections.abc import Iterator

import pytest

from tests.browser.conftest import unavailable
from tests.browser.reading import READY
from tests.browser.stepper import step_text
from tests.browser.test_rooms_pages import classroom, start_room, step_as_lecturer

pytestmark = pytest.mark.browser
__all__ = ["classroom"]  # the fixture, imported for this module's tests

DRIVER = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
XVFB = shutil.which("Xvfb") or "/usr/bin/Xvfb"
WAIT_S = 30.0

# What each page has drawn once it is ready: a check that fails on a page that loaded but drew nothing.
DRAWN = {
    "/": "document.querySelectorAll('[data-testid=pages] a').length === 5",
    "/graph?preset=colah": "document.querySelectorAll('[data-testid=graph] [data-node-id]').length === 6"
                           " && document.querySelector('[data-testid=step]').textContent === '0 / 11'",
    "/optimizers": "document.querySelectorAll('[data-testid=surface-plot] .main-svg').length > 0"
                   " && document.querySelector('[data-testid=surface-plot]').data.length >= 3",
    "/schedules": "document.querySelectorAll('.main-svg').length >= 2",
    "/init": "document.querySelectorAll('.main-svg').length >= 2",
    "/trainability": "document.querySelector('[data-testid=trainability-map]').data[0].type === 'heatmap'",
    "/join": "document.activeElement.dataset.testid === 'join-code'",
}


@pytest.fixture(scope="module")
def webkit() -> Iterator:
    if not os.path.exists(DRIVER) or not os.path.exists(XVFB):
        unavailable("no WebKitWebDriver or Xvfb (install Debian's packages: apt-get install webkit2gtk-driver xvfb)")
    try:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service
    except ImportError:
        unavailable("the selenium Python package is not installed (pip install selenium)")
    read, write = os.pipe()
    screen = subprocess.Popen([XVFB, "-displayfd", str(write), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as displays:
        display = displays.readline().strip()  # Xvfb writes its display number once it listens
    options = Options()
    options.add_argument("--automation")
    service = Service(executable_path=DRIVER, env={**os.environ, "DISPLAY": f":{display}"})
    try:
        with warnings.catch_warnings():  # Selenium's own WebKitGTK class uses an argument Selenium deprecates
            warnings.filterwarnings("ignore", "setting remote_server_addr", DeprecationWarning)
            driver = webdriver.WebKitGTK(options=options, service=service)
        try:
            driver.set_window_size(390, 844)  # a phone's layout (GTK keeps the window at least ~450 px wide)
            yield driver
        finally:
            driver.quit()
    finally:  # the virtual screen goes too, even when the driver could not start
        screen.terminate()
        screen.wait(10)


def until(driver, script: str, what: str, lecturer=None) -> None:
    """Wait until the JavaScript expression `script` is true in WebKit's page. With a lecturer's
    Playwright page, wait on it: its requests pass through Playwright's routes (tests/browser/
    conftest.py adds the CSP), which run only while Playwright has the thread."""
    deadline = time.monotonic() + WAIT_S
    while not driver.execute_script(f"try {{ return Boolean({script}); }} catch {{ return false; }}"):
        if time.monotonic() > deadline:
            seen = driver.execute_script("return [location.href, document.querySelector('[data-testid=quiz]')?.outerHTML,"
                                         " document.querySelector('[data-testid=follow-banner]')?.dataset.mode]")
            raise AssertionError(f"WebKit: {what} within {WAIT_S} s; the page: {seen}")
        if lecturer is not None:
            lecturer.wait_for_timeout(50)
        else:
            time.sleep(0.05)


def catch_errors(driver) -> None:
    """From now on, keep the page's uncaught errors (and rejections) in window.__errors."""
    driver.execute_script("window.__errors = [];"
                          "addEventListener('error', (e) => window.__errors.push(String(e.message)));"
                          "addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));")


@pytest.mark.parametrize("address", list(DRAWN))
def test_every_page_draws_in_webkit(webkit, app_url, address):
    webkit.get(app_url + address)
    path = address.split("?")[0]
    until(webkit, f"({READY[path]})()", f"{address} ready")
    until(webkit, DRAWN[address], f"{address} drawn")
    catch_errors(webkit)
    width, scroll = webkit.execute_script("return [innerWidth, document.documentElement.scrollWidth]")
    assert width < 600 and scroll <= width  # the phone layout, and no sideways scroll


def test_an_iphone_follows_the_lecture_in_place_and_answers_the_quiz(webkit, app_url, classroom):
    page, _, _ = classroom
    room = start_room(page, "/graph?preset=colah&step=8&presenter=1")
    webkit.get(f"{app_url}/?room={room['code']}")
    until(webkit, "location.pathname === '/graph' && document.body.dataset.run === 'done'", "the lecturer's view", page)
    until(webkit, "document.querySelector('[data-testid=follow-banner]').dataset.mode === 'following'", "following", page)
    catch_errors(webkit)
    webkit.execute_script("window.__sameDocument = true")
    step = "document.querySelector('[data-testid=step]').textContent"
    until(webkit, f"{step} === '8 / 11'", "step 8", page)

    assert step_as_lecturer(page, []) == "9 / 11"
    until(webkit, f"{step} === '9 / 11'", "the lecturer's step, in place", page)
    page.keyboard.press("q")
    until(webkit, "document.querySelector('[data-testid=quiz-prompt]')?.textContent === 'Predict ∂e/∂b'", "the question", page)
    webkit.find_element("css selector", "[data-testid=quiz-input]").send_keys("5")
    webkit.find_element("css selector", "[data-testid=quiz-send]").click()  # a tap on Send
    until(webkit, "document.querySelector('[data-testid=quiz-mine]')?.textContent.startsWith('Sent: 5.')", "sent", page)
    page.wait_for_function("() => document.querySelector('[data-testid=quiz-histogram]')?.dataset.count === '1'")

    page.keyboard.press("ArrowRight")
    until(webkit, "document.querySelector('[data-testid=quiz-result]')?.dataset.correct === 'true'", "the reveal", page)
    assert webkit.execute_script("return document.querySelector('[data-testid=quiz-result]').textContent") == \
        "The engine: 5 · yours: 5 ✓"
    assert webkit.execute_script(f"return {step}") == step_text(page) == "10 / 11"
    assert webkit.execute_script("return window.__sameDocument === true")
    assert webkit.execute_script("return document.querySelector('[data-testid=follow-banner]').dataset.mode") == \
        "following"  # typing the answer did not detach
    assert webkit.execute_script("return window.__errors") == []
