"""HTML pages: Jinja templates; the modules in static/ do the rest."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from app.settings import settings
from engine import PRESETS

router = APIRouter(tags=["pages"], include_in_schema=False)
templates = Jinja2Templates(directory=settings.templates_dir)
templates.env.globals["version"] = settings.version


@router.get("/", response_class=HTMLResponse)
def index(request: Request):
    return templates.TemplateResponse(request, "index.html", {"page": "home"})


@router.get("/graph", response_class=HTMLResponse)
def graph_page(request: Request):
    return templates.TemplateResponse(request, "graph.html", {"page": "graph", "presets": list(PRESETS.values())})


@router.get("/vendor/plotly.min.js")
def plotly_js():
    """plotly.js from the installed `plotly` package: the app works with no internet."""
    return FileResponse(settings.plotly_js, media_type="text/javascript")
