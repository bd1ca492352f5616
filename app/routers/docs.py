"""`/docs`: Swagger UI for the HTTP API, served from the installed fastapi-offline
package's files (at /vendor/swagger-ui/, see app.assets), so it works with no internet.

FastAPI's own /docs page loads Swagger UI from a CDN and starts it with an inline
script, which the pages' Content-Security-Policy forbids; this page is a template whose
module (static/js/docs/main.js) starts it instead."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.routers.pages import METHODS, page

router = APIRouter(tags=["pages"], include_in_schema=False)


def docs_context() -> dict:
    return {"page": "docs"}


@router.api_route("/docs", methods=METHODS)
async def docs_page(request: Request) -> Response:
    return page(request, "docs.html", docs_context)
