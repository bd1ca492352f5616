"""The FastAPI application: routers, static files, error handlers."""

from __future__ import annotations

from fastapi import FastAPI

from app import errors
from app.assets import Assets, StaticFirst, vendor_files
from app.errors import ServerErrors
from app.http_edges import HttpEdges
from app.responses import FastJSONResponse
from app.routers import docs, graph, init, meta, optimize, pages, rooms, schedules, surfaces, trainability
from app.schemas.rooms import ROOM_EVENTS
from app.schemas.trace import RACE_EVENTS, TRACE_EVENTS
from app.security import SecurityHeaders
from app.settings import settings
from app.sse import document_events
from engine.budget import limit_blas_threads


def create_app() -> FastAPI:
    # Each request's matrix products on its own thread, so its CPU budget counts them and
    # one student's matmul cannot take both cores from the other 299.
    limit_blas_threads()
    # FastAPI's own /docs and /redoc load their scripts from a CDN: app.routers.docs serves
    # Swagger UI from the installed package instead.
    app = FastAPI(title="backproplab", version=settings.version, default_response_class=FastJSONResponse,
                  docs_url=None, redoc_url=None)
    errors.install(app)
    for module in (meta, graph, surfaces, optimize, schedules, init, trainability, rooms, pages, docs):
        app.include_router(module.router)
    document_events(app, [*TRACE_EVENTS.values(), *RACE_EVENTS.values(), *ROOM_EVENTS.values()])
    # Read once here, answered from memory (app.assets), ahead of the routing (StaticFirst).
    # Only static/ follows --dev: the vendor files come from installed packages, which
    # nobody edits while the server runs.
    app.add_middleware(StaticFirst, mounts={
        "/static": Assets.directory(settings.static_dir, dev=settings.dev),
        "/vendor": Assets(vendor_files(settings.plotly_js, settings.swagger_ui_dir)),
    })
    app.add_middleware(HttpEdges)
    app.add_middleware(ServerErrors)  # inside SecurityHeaders: a 500 has the headers too
    app.add_middleware(SecurityHeaders)
    return app


app = create_app()
