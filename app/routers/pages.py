"""HTML pages: Jinja templates; the modules in static/ do the rest."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from app.scenarios import SCENARIOS
from app.schemas.meta import OptimizerInfo
from app.settings import settings
from engine import PRESETS
from engine.optimizers import OPTIMIZERS

router = APIRouter(tags=["pages"], include_in_schema=False)
templates = Jinja2Templates(directory=settings.templates_dir)


@dataclass(frozen=True)
class NavLink:
    id: str
    href: str
    title: str


# The header's links, in order. A page joins this list when its route exists
# (Optimizers, Schedules and Init come next); nothing here may point at a 404.
NAV = [
    NavLink("home", "/", "Home"),
    NavLink("graph", "/graph", "Graph"),
    NavLink("optimizers", "/optimizers", "Optimizers"),
    NavLink("schedules", "/schedules", "Schedules"),
    NavLink("init", "/init", "Initialisation"),
]

templates.env.globals["version"] = settings.version
templates.env.globals["nav"] = NAV


def preset_list() -> list[dict]:
    return [vars(p) for p in PRESETS.values()]


@router.get("/", response_class=HTMLResponse)
def index(request: Request):
    return templates.TemplateResponse(request, "index.html", {"page": "home", "presets": preset_list()})


@router.get("/graph", response_class=HTMLResponse)
def graph_page(request: Request):
    optimizers = [OptimizerInfo.model_validate(o).model_dump() for o in OPTIMIZERS.values()]
    return templates.TemplateResponse(request, "graph.html",
                                      {"page": "graph", "presets": preset_list(), "optimizers": optimizers})


@router.get("/optimizers", response_class=HTMLResponse)
def optimizers_page(request: Request):
    return templates.TemplateResponse(request, "optimizers.html", {"page": "optimizers", "scenarios": SCENARIOS})


@router.get("/schedules", response_class=HTMLResponse)
def schedules_page(request: Request):
    return templates.TemplateResponse(request, "schedules.html", {"page": "schedules"})


@router.get("/init", response_class=HTMLResponse)
def init_page(request: Request):
    return templates.TemplateResponse(request, "init.html", {"page": "init"})


@router.get("/vendor/plotly.min.js")
def plotly_js():
    """plotly.js from the installed `plotly` package: the app works with no internet."""
    return FileResponse(settings.plotly_js, media_type="text/javascript")
