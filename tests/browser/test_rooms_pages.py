"""Rooms in the pages (issue 21, docs/DESIGN.md "Rooms"): a lecturer's page starts a room and
publishes its URL; students' pages, each in a context of its own (separate sessionStorage,
as separate phones), follow it across steps and pages, detach, re-join, and hear that the
room ended. The presenter key is only ever sent in an Authorization header."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest

from app.main import create_app
from app.rooms import MemoryStore, Rooms
from app.rooms.core import RoomsUnavailable
from app.rooms.store import Follower
from tests.browser.conftest import PHONE, PageLog, recorded_page
from tests.browser.harness import serving
from tests.browser.reading import wait_ready
from tests.browser.stepper import step_text

pytestmark = pytest.mark.browser


class Requests:
    """Every request the pages send, with its Referer and Authorization headers."""

    def __init__(self):
        self.seen: list[dict] = []

    def watch(self, page) -> None:
        page.on("request", lambda r: self.seen.append({"url": r.url, "method": r.method, **{
            k: v for k, v in r.headers.items() if k in ("referer", "authorization")}}))


@pytest.fixture
def classroom(browser, app_url, page_log, page):
    """The presenter's page (the projector, presenter mode) and a factory of followers' pages."""
    requests = Requests()
    requests.watch(page)
    made = []

    def follower(**options):
        student = recorded_page(browser, app_url, page_log, **options)
        requests.watch(student)
        made.append(student)
        return student

    yield page, follower, requests
    for student in made:
        student.context.close()


def start_room(page, url: str = "/graph?preset=logreg&presenter=1") -> dict:
    page.goto(url)
    wait_ready(page)
    page.click("[data-testid=room-start]")
    page.wait_for_selector("[data-testid=room-qr]:not([hidden])")
    room = page.evaluate("() => JSON.parse(sessionStorage.getItem('backproplab.room'))")
    assert room["role"] == "presenter" and len(room["code"]) == 6 and len(room["key"]) >= 32
    assert page.inner_text("[data-testid=room-code-value]") == room["code"]
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-testid=room-qr]", state="hidden")
    return room


def join(student, code: str, path: str = "/graph") -> None:
    """A student opens the follow URL (the landing page), which opens the lecturer's view."""
    student.goto(f"/?room={code}")
    student.wait_for_url(f"**{path}?**")
    wait_ready(student, path)
    student.wait_for_selector("[data-testid=follow-banner][data-mode=following]")


def step_as_lecturer(page, students, key: str = "ArrowRight") -> str:
    """Press a key on the lecturer's page; every student's page shows the same step."""
    before = step_text(page)
    page.keyboard.press(key)
    page.wait_for_function("(before) => document.querySelector('[data-testid=step]').textContent !== before", arg=before)
    shown = step_text(page)
    for student in students:
        student.wait_for_function("(want) => document.querySelector('[data-testid=step]')?.textContent === want",
                                  arg=shown)
        wait_ready(student)
    return shown


def query_without_presenter(url: str) -> dict:
    query = parse_qs(urlsplit(url).query)
    query.pop("presenter", None)
    return query


def followers(page, count: int) -> None:
    page.wait_for_function("(n) => document.querySelector('[data-testid=room-followers]').dataset.count === String(n)",
                           arg=count)


def test_students_follow_the_lecturers_steps_and_pages_and_the_key_stays_secret(classroom):
    page, follower, requests = classroom
    room = start_room(page)
    students = [follower(), follower(**PHONE)]
    for student in students:
        join(student, room["code"])
        assert step_text(student) == step_text(page) == "0 / 16"
    followers(page, 2)
    assert page.inner_text("[data-testid=room-followers]") == "2 following"

    assert step_as_lecturer(page, students) == "1 / 16"
    assert step_as_lecturer(page, students) == "2 / 16"
    for student in students:  # the lecturer's view, in the student's own type size
        assert query_without_presenter(student.url) == query_without_presenter(page.url) == {
            "preset": ["logreg"], "step": ["2"]}
        assert "presenter" not in student.evaluate("document.documentElement.className")

    page.click(".site-nav a[data-nav=optimizers]")  # presenter mode carried: the lecturer's page stays large
    wait_ready(page, "/optimizers")
    for student in students:
        student.wait_for_url("**/optimizers**")
        wait_ready(student, "/optimizers")
        student.wait_for_function("(want) => location.pathname + location.search === want",
                                  arg=page.evaluate("() => { const u = new URL(location.href); "
                                                    "u.searchParams.delete('presenter'); "
                                                    "return u.pathname + u.search; }"))
        assert student.get_attribute("[data-testid=follow-banner]", "data-mode") == "following"
    assert page.inner_text("[data-testid=room-code-value]") == room["code"]  # the room carried across pages too

    # The key: only in the presenter's Authorization headers, never in a URL or a Referer.
    key = room["key"]
    assert not [r for r in requests.seen if key in r["url"] or key in r.get("referer", "")]
    authorised = {(r["method"], urlsplit(r["url"]).path) for r in requests.seen if "authorization" in r}
    assert authorised == {("PUT", f"/api/rooms/{room['code']}/state")}
    assert all(r["authorization"] == f"Bearer {key}" for r in requests.seen if "authorization" in r)
    assert key not in page.url and key not in page.content()  # nor on the projected page

    page.reload()  # the room is the tab's: a reload (or the header's links) keeps it
    wait_ready(page, "/optimizers")
    assert page.inner_text("[data-testid=room-code-value]") == room["code"]
    followers(page, 2)


def test_a_student_detaches_by_touching_a_control_and_re_joins_the_lecturers_view(classroom):
    page, follower, _ = classroom
    room = start_room(page)
    student = follower(**PHONE)
    join(student, room["code"])
    step_as_lecturer(page, [student])
    assert step_text(student) == "1 / 16"

    # The banner's own button detaches too, but touching a control does it by itself.
    student.click("[data-testid=next]")
    student.wait_for_selector("[data-testid=follow-banner][data-mode=detached]")
    assert step_text(student) == "2 / 16"  # the student's own step, from the lecturer's view
    for _ in range(3):
        step_as_lecturer(page, [])
    assert step_text(page) == "4 / 16"
    followers(page, 1)  # still connected, not following
    assert step_text(student) == "2 / 16"
    assert student.get_attribute("[data-testid=follow-banner]", "data-mode") == "detached"

    student.click("[data-testid=rejoin]")
    student.wait_for_function("() => document.querySelector('[data-testid=step]')?.textContent === '4 / 16'")
    wait_ready(student)
    student.wait_for_selector("[data-testid=follow-banner][data-mode=following]")
    step_as_lecturer(page, [student])
    assert step_text(student) == "5 / 16"

    student.click("[data-testid=detach]")  # the banner's button
    student.wait_for_selector("[data-testid=follow-banner][data-mode=detached]")


def test_the_room_ends_and_the_students_page_says_so_and_stays(classroom):
    page, follower, _ = classroom
    room = start_room(page)
    student = follower()
    join(student, room["code"])
    step_as_lecturer(page, [student])
    page.click("[data-testid=room-end]")
    page.wait_for_selector("[data-testid=room-code]", state="hidden")
    assert page.evaluate("sessionStorage.getItem('backproplab.room')") is None
    assert page.get_attribute("[data-testid=room-start]", "aria-pressed") == "false"
    student.wait_for_selector("[data-testid=follow-banner][data-mode=ended]")
    assert "The lecture has ended" in student.inner_text("[data-testid=follow-banner]")
    assert step_text(student) == "1 / 16"  # the view stays
    assert student.evaluate("sessionStorage.getItem('backproplab.room')") is None
    student.keyboard.press("ArrowRight")  # the page is the student's: no banner to detach, no navigation
    student.wait_for_function("() => document.querySelector('[data-testid=step]').textContent === '2 / 16'")


def test_an_unknown_code_says_so(page, page_log):
    page_log.allow(404, "/api/rooms/ZZZZZZ/events")
    page_log.allow(404, "/api/rooms/ZZZZZZ")
    page.goto("/?room=zzzzzz")
    page.wait_for_selector("[data-testid=follow-banner][data-mode=missing]")
    assert "No room ZZZZZZ" in page.inner_text("[data-testid=follow-banner]")
    assert "room=" not in page.url


def test_the_banner_fits_a_phone_and_the_corner_is_readable_on_the_projector(classroom):
    page, follower, _ = classroom
    room = start_room(page)
    student = follower(**PHONE)
    join(student, room["code"])
    banner = student.evaluate("""() => {
      const el = document.querySelector('[data-testid=follow-banner]');
      const box = el.getBoundingClientRect();
      const button = document.querySelector('[data-testid=detach]').getBoundingClientRect();
      return {height: box.height, right: box.right, buttonRight: button.right, buttonTop: button.top, top: box.top,
              scroll: document.documentElement.scrollWidth};
    }""")
    assert banner["height"] <= 48 and banner["buttonTop"] - banner["top"] < 12, banner  # one row
    assert banner["buttonRight"] <= 390 and banner["scroll"] <= 390, banner

    corner = page.evaluate("""() => {
      const bar = document.querySelector('[data-testid=room-code]').getBoundingClientRect();
      const code = document.querySelector('[data-testid=room-code-value]');
      const controls = [...document.querySelectorAll('main button, main input, main select, main a, main textarea')]
        .map((el) => el.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
      const covered = controls.filter((r) => r.top < bar.bottom && r.bottom > bar.top && r.left < bar.right && r.right > bar.left);
      const header = document.querySelector('.site-header').getBoundingClientRect();
      return {fontSize: parseFloat(getComputedStyle(code).fontSize), covered: covered.length, bottom: bar.bottom,
              mainTop: document.querySelector('main').getBoundingClientRect().top, top: bar.top, header: header.bottom,
              right: Math.max(...[...document.querySelectorAll('[data-testid=room-code] *')].map((el) => el.getBoundingClientRect().right))};
    }""")
    assert corner["fontSize"] >= 32, corner  # a code read off the projector from the back of a hall
    assert corner["covered"] == 0 and corner["top"] >= corner["header"] and corner["bottom"] <= corner["mainTop"]
    assert corner["right"] <= 1280
    for width, height in ((1280, 720), (1024, 768)):  # the bar is one row on either projector
        page.set_viewport_size({"width": width, "height": height})
        heights = page.evaluate("""() => {
          const bar = document.querySelector('[data-testid=room-code]');
          return [bar.getBoundingClientRect().height, document.querySelector('[data-testid=room-end]').getBoundingClientRect().height];
        }""")
        assert heights[0] < 2 * heights[1], (width, heights)  # one row: less than two buttons high


class OutageStore(MemoryStore):
    """Rooms in memory that the test can take away, as a lost Redis does: every open stream
    ends (the store's None) and room requests answer 503 until it is back."""

    def __init__(self):
        super().__init__()
        self.down = False
        self.streams: list[tuple[asyncio.AbstractEventLoop, Follower]] = []

    async def create(self, room):
        if self.down:
            raise RoomsUnavailable("the rooms' Redis cannot be reached (the test took it away)")
        return await super().create(room)

    async def load(self, code):
        if self.down:
            raise RoomsUnavailable("the rooms' Redis cannot be reached (the test took it away)")
        return await super().load(code)

    @asynccontextmanager
    async def follow(self, code):
        async with super().follow(code) as follower:
            self.streams.append((asyncio.get_running_loop(), follower))
            yield follower

    def cut(self) -> None:
        """From the test's thread: refuse room requests, and end every stream in the server's loop."""
        self.down = True
        for loop, follower in self.streams:
            loop.call_soon_threadsafe(follower.put, None)


@pytest.fixture
def outage_app(browser):
    app = create_app()
    store = OutageStore()
    app.state.rooms = Rooms(store)
    with serving(app) as url:
        yield url, store


def test_a_dropped_stream_says_reconnecting_and_follows_again_by_itself(browser, outage_app):
    url, store = outage_app
    log = PageLog(origin=url)
    presenter, student = recorded_page(browser, url, log), recorded_page(browser, url, log, **PHONE)
    try:
        room = start_room(presenter)
        join(student, room["code"])
        log.allow(503, f"/api/rooms/{room['code']}")  # the presenter's count and the student's check, while it is down
        log.allow(503, f"/api/rooms/{room['code']}/events")
        store.cut()
        student.wait_for_selector("[data-testid=follow-banner][data-mode=reconnecting]")
        assert "reconnecting…" in student.inner_text("[data-testid=follow-banner]")
        # EventSource gives up after the 503 and the page makes it anew, later each time: wait for a retry or two.
        student.wait_for_function("() => performance.getEntriesByType('resource')"
                                  ".filter((e) => e.name.endsWith('/events')).length >= 3")
        store.down = False
        student.wait_for_selector("[data-testid=follow-banner][data-mode=following]", timeout=30_000)
        assert step_as_lecturer(presenter, [student]) == "1 / 16"
        # What the outage itself costs: 503s, and the 503'd streams that EventSource then drops.
        events = f"/api/rooms/{room['code']}/events net::ERR_ABORTED"
        assert [p for p in log.problems() if "503" not in p and not p.endswith(events)] == []
    finally:
        presenter.context.close()
        student.context.close()


def test_a_student_types_the_code_on_join(classroom):
    page, follower, _ = classroom
    room = start_room(page)
    page.click("[data-testid=room-start]")  # the button shows the QR code again, with /join for those who type
    hint = page.inner_text("[data-testid=room-join-hint]")
    assert hint.endswith(f"/join and type {room['code']}") and "room=" not in hint
    student = follower(**PHONE)
    student.goto("/")
    student.click("[data-testid=join-link]")  # the landing page says where to type a code
    student.wait_for_url("**/join")
    wait_ready(student, "/")
    assert student.evaluate("document.activeElement.dataset.testid") == "join-code"
    student.fill("[data-testid=join-code]", f" {room['code'].lower()} ")  # as typed off the projector
    student.press("[data-testid=join-code]", "Enter")
    student.wait_for_url("**/graph?**")
    wait_ready(student)
    student.wait_for_selector("[data-testid=follow-banner][data-mode=following]")
    assert step_as_lecturer(page, [student]) == "1 / 16"


def test_publishes_are_one_at_a_time_one_per_interval_and_end_on_the_last_view(classroom, app_url):
    """Ten quick steps: the room ends on the lecturer's last view, and its PUTs never overlap
    nor start closer than the server's publish interval (limit publish_interval)."""
    page, _, _ = classroom
    room = start_room(page, "/graph?preset=mlp&presenter=1")
    interval_ms = page.evaluate("fetch('/api/limits').then((r) => r.json())")["publish_interval"] * 1000
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[data-testid=step]').textContent.startsWith('10 /')")
    want = "/graph?preset=mlp&step=10"
    page.wait_for_function("""async ([code, want]) => {
      const info = await (await fetch(`/api/rooms/${code}`)).json();
      return info.url === want;
    }""", arg=[room["code"], want])
    puts = page.evaluate("""() => performance.getEntriesByType('resource')
      .filter((e) => e.name.endsWith('/state')).map((e) => [e.startTime, e.responseEnd])""")
    assert 1 <= len(puts) <= 11
    for (start, end), (next_start, _) in pairwise(puts):
        assert next_start >= end and next_start - start >= interval_ms - 1, puts


def test_a_room_that_cannot_start_says_why(browser, outage_app):
    url, store = outage_app
    log = PageLog(origin=url)
    log.allow(503, "/api/rooms")
    presenter = recorded_page(browser, url, log)
    try:
        store.down = True
        presenter.goto("/?presenter=1")
        wait_ready(presenter, "/")
        presenter.click("[data-testid=room-start]")
        presenter.wait_for_selector("[data-testid=room-status]")
        assert presenter.inner_text("[data-testid=room-status]") == (
            "Could not start a room: the rooms' Redis cannot be reached (the test took it away)")
        assert presenter.evaluate("sessionStorage.getItem('backproplab.room')") is None
        store.down = False
        presenter.click("[data-testid=room-start]")  # a second try, once the rooms are back, starts one
        presenter.wait_for_selector("[data-testid=room-qr]:not([hidden])")
        assert log.problems() == []
    finally:
        presenter.context.close()


@pytest.mark.parametrize("query", ["", "?presenter=1"])
def test_the_header_keeps_one_row_with_the_room_button_at_every_projector_width(page, query):
    """The room's button is one more tool: the pages' links stay in one row from 1001 px (below,
    the header has two rows by design) through the widths where the tools' labels come and go."""
    page.goto(f"/graph{query}")
    wait_ready(page)
    for width in (1001, 1121, 1151, 1200, 1280, 1321, 1361, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 720})
        rows, right = page.evaluate("""() => {
          const shown = (el) => el.getClientRects().length > 0;
          const links = [...document.querySelectorAll('.site-nav a')].filter(shown);
          const tools = [...document.querySelectorAll('.header-tools button')].filter(shown);
          return [new Set(links.map((a) => Math.round(a.getBoundingClientRect().top))).size,
                  Math.max(...tools.map((b) => b.getBoundingClientRect().right))];
        }""")
        assert rows == 1 and right <= width, (width, rows, right)


def test_a_link_with_the_key_in_its_fragment_hands_the_room_to_another_tab(classroom):
    """`#room=CODE&key=KEY` (never a query: the fragment is not sent) makes a tab the room's
    presenter; the fragment leaves the address bar, which a projector would show."""
    page, follower, requests = classroom
    room = start_room(page)
    tablet = follower()
    tablet.goto(f"/graph?preset=mul#room={room['code']}&key={room['key']}")
    wait_ready(tablet)
    assert tablet.inner_text("[data-testid=room-code-value]") == room["code"]
    assert urlsplit(tablet.url).fragment == "" and room["key"] not in tablet.url
    tablet.wait_for_function("""async (code) => {
      const info = await (await fetch(`/api/rooms/${code}`)).json();
      return info.url === '/graph?preset=mul&step=0';
    }""", arg=room["code"])
    assert not [r for r in requests.seen if room["key"] in r["url"] or room["key"] in r.get("referer", "")]
