"""One settings object: where the app's files are, what it calls itself, whether it runs
for development (BACKPROPLAB_DEV=1, which `backproplab --dev` sets), and where rooms
live and what students open (BACKPROPLAB_REDIS_URL, BACKPROPLAB_WORKERS,
BACKPROPLAB_PUBLIC_URL, BACKPROPLAB_LAN_URLS: `backproplab` sets them from its
arguments before uvicorn imports the app in each worker process)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import fastapi_offline
import plotly

from app import __version__

_HERE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    """templates/ and static/ sit beside app/ in a checkout, inside it in a wheel."""
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"cannot find the {name}/ folder next to {_HERE}")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    return int(text) if text.isdigit() else default


def follow_urls() -> list[str]:
    """Where students open a room: --public-url, else each LAN address `backproplab --host 0.0.0.0` found."""
    public = os.environ.get("BACKPROPLAB_PUBLIC_URL", "").strip()
    if public:
        return [public]
    return os.environ.get("BACKPROPLAB_LAN_URLS", "").split()


@dataclass(frozen=True)
class Settings:
    version: str
    templates_dir: Path
    static_dir: Path
    plotly_js: Path
    swagger_ui_dir: Path  # Swagger UI's bundle, CSS and icon, from the installed fastapi-offline
    dev: bool  # read static files and templates from disk on every request (no restart after an edit)
    redis_url: str | None  # rooms in Redis, shared by every process; None: in this process's memory
    workers: int  # server processes: above 1, rooms need Redis
    follow_urls: list[str]  # the base URLs students can open; empty: the request's own


settings = Settings(
    version=__version__,
    templates_dir=_find("templates"),
    static_dir=_find("static"),
    plotly_js=Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
    swagger_ui_dir=Path(fastapi_offline.__file__).parent / "static",
    dev=env_flag("BACKPROPLAB_DEV"),
    redis_url=os.environ.get("BACKPROPLAB_REDIS_URL", "").strip() or None,
    workers=env_int("BACKPROPLAB_WORKERS", env_int("WEB_CONCURRENCY", 1)),  # uvicorn --workers sets the latter
    follow_urls=follow_urls(),
)
