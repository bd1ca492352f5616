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


@dataclass(frozen=True)
class NavLink:
    id: str
    href: str
    title: str


# The header's links, in order (the landing page has a card for each); nothing here may
# point at a 404.
NAV = [
    NavLink("home", "/", "Home"),
    NavLink("graph", "/graph", "Graph"),
    NavLink("optimizers", "/optimizers", "Optimizers"),
    NavLink("schedules", "/schedules", "Schedules"),
    NavLink("init", "/init", "Initialisation"),
    NavLink("trainability", "/trainability", "Trainability"),
]

templates.env.globals["version"] = settings.version
templates.env.globals["nav"] = NAV


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
        "page": "home",
        "presets": preset_list(),
        "optimizers": [o.title for o in OPTIMIZERS.values()],
        "schedules": [in_sentence(s.title) for s in SCHEDULES.values() if s.id != "constant"],
        "scenario_count": len(SCENARIOS),
    }


def graph_context() -> dict:
    optimizers = [OptimizerInfo.model_validate(o).model_dump() for o in OPTIMIZERS.values()]
    return {"page": "graph", "presets": preset_list(), "optimizers": optimizers}


def optimizers_context() -> dict:
    return {"page": "optimizers", "scenarios": SCENARIOS}


def schedules_context() -> dict:
    return {"page": "schedules"}


def init_context() -> dict:
    return {"page": "init"}


def trainability_context() -> dict:
    return {"page": "trainability"}


@router.api_route("/", methods=METHODS)
async def index(request: Request) -> Response:
    return page(request, "index.html", home_context)


@router.api_route("/graph", methods=METHODS)
async def graph_page(request: Request) -> Response:
    return page(request, "graph.html", graph_context)


@router.api_route("/optimizers", methods=METHODS)
async def optimizers_page(request: Request) -> Response:
    return page(request, "optimizers.html", optimizers_context)


@router.api_route("/schedules", methods=METHODS)
async def schedules_page(request: Request) -> Response:
    return page(request, "schedules.html", schedules_context)


@router.api_route("/init", methods=METHODS)
async def init_page(request: Request) -> Response:
    return page(request, "init.html", init_context)


@router.api_route("/trainability", methods=METHODS)
async def trainability_page(request: Request) -> Response:
    return page(request, "trainability.html", trainability_context)
