"""The FastAPI application: routers, static files, error handlers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import errors
from app.responses import FastJSONResponse
from app.routers import graph, init, meta, optimize, pages, schedules, surfaces
from app.security import SecurityHeaders
from app.settings import settings


def create_app() -> FastAPI:
    app = FastAPI(title="backproplab", version=settings.version, default_response_class=FastJSONResponse)
    errors.install(app)
    for module in (meta, graph, surfaces, optimize, schedules, init, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    app.add_middleware(SecurityHeaders)
    return app


app = create_app()
