"""HTML pages: Jinja templates; the modules in static/ do the rest.

A page's HTML depends only on the registries (presets, optimizers, scenarios), which do
not change while the server runs, so each is rendered once into a Payload (gzip, ETag,
304) and answered without a thread hop. In development (`settings.dev`) it is rendered on
every request, so an edited template shows on reload."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from app.http_cache import Payload
from app.scenarios import SCENARIOS
from app.schemas.meta import OptimizerInfo
from app.settings import settings
from engine import PRESETS
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES

router = APIRouter(tags=["pages"], include_in_schema=False)
templates = Jinja2Templates(directory=settings.templates_dir)
HTML = "text/html; charset=utf-8"
METHODS = ["GET", "HEAD"]


def preset_list() -> list[dict]:
    return [vars(p) for p in PRESETS.values()]


@cache
def rendered(template: str, context: Callable[[], dict]) -> Payload:
    """The page's HTML, rendered on first use; `context()` reads the registries."""
    return Payload(templates.get_template(template).render(context()).encode(), HTML)


def page(request: Request, template: str, context: Callable[[], dict]) -> Response:
    payload = rendered.__wrapped__(template, context) if settings.dev else rendered(template, context)
    return payload.response(request.headers)


def in_sentence(title: str) -> str:
    """A title as it reads mid-sentence: "Exponential" → "exponential"; a name such as NewBOB stays."""
    return title[0].lower() + title[1:] if title[1:] == title[1:].lower() else title


def home_context() -> dict:
    """The landing page's cards name what each page offers from the registries themselves."""
    return {
        "presets": preset_list(),
        "optimizers": [o.title for o in OPTIMIZERS.values()],
        "schedules": [in_sentence(s.title) for s in SCHEDULES.values() if s.id != "constant"],
        "scenario_count": len(SCENARIOS),
    }


def graph_context() -> dict:
    optimizers = [OptimizerInfo.model_validate(o).model_dump() for o in OPTIMIZERS.values()]
    return {"presets": preset_list(), "optimizers": optimizers}


def optimizers_context() -> dict:
    return {"scenarios": SCENARIOS}


@dataclass(frozen=True)
class NavPage:
    """A page of the header: its link (id, href, title, and a shorter title for a phone's
    row where the title is long) and its template, rendered with `page` (the id, which the
    header marks as current) and what `context()` reads."""

    id: str
    href: str
    title: str
    template: str
    context: Callable[[], dict] = dict
    short: str | None = None

    def template_context(self) -> dict:
        return {"page": self.id, **self.context()}


# Every page of the header, in order, each answered at its href for GET and HEAD; nothing
# here may point at a 404.
NAV = [
    NavPage("home", "/", "Home", "index.html", home_context),
    NavPage("graph", "/graph", "Graph", "graph.html", graph_context),
    NavPage("optimizers", "/optimizers", "Optimizers", "optimizers.html", optimizers_context),
    NavPage("schedules", "/schedules", "Schedules", "schedules.html"),
    NavPage("init", "/init", "Initialisation", "init.html", short="Init"),
    NavPage("trainability", "/trainability", "Trainability", "trainability.html"),
]

templates.env.globals["version"] = settings.version
templates.env.globals["nav"] = NAV


def route(href: str) -> Callable:
    """The handler of the page at `href`, which finds its entry in NAV when asked (so an entry
    swapped there, as a test of development mode does, is the one served)."""

    async def handler(request: Request) -> Response:
        entry = next(p for p in NAV if p.href == href)
        return page(request, entry.template, entry.template_context)

    return handler


for nav_page in NAV:
    router.add_api_route(nav_page.href, route(nav_page.href), methods=METHODS, name=f"{nav_page.id}_page")


def join_context() -> dict:
    return {"page": "join"}


# Not in the header: students come here from the lecturer's slide or projector ("open …/join").
@router.api_route("/join", methods=METHODS)
async def join_page(request: Request) -> Response:
    """A student types the room's code, instead of scanning its QR code."""
    return page(request, "join.html", join_context)
