"""One settings object: where the app's files are, what it calls itself, and whether it
runs for development (BACKPROPLAB_DEV=1, which `backproplab --dev` sets)."""

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


@dataclass(frozen=True)
class Settings:
    version: str
    templates_dir: Path
    static_dir: Path
    plotly_js: Path
    swagger_ui_dir: Path  # Swagger UI's bundle, CSS and icon, from the installed fastapi-offline
    dev: bool  # read static files and templates from disk on every request (no restart after an edit)


settings = Settings(
    version=__version__,
    templates_dir=_find("templates"),
    static_dir=_find("static"),
    plotly_js=Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
    swagger_ui_dir=Path(fastapi_offline.__file__).parent / "static",
    dev=env_flag("BACKPROPLAB_DEV"),
)
