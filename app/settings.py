"""One settings object: where the app's files are, and what it calls itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import plotly

from app import __version__

_HERE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    """templates/ and static/ sit beside app/ in a checkout, inside it in a wheel."""
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"cannot find the {name}/ folder next to {_HERE}")


@dataclass(frozen=True)
class Settings:
    version: str
    templates_dir: Path
    static_dir: Path
    plotly_js: Path


settings = Settings(
    version=__version__,
    templates_dir=_find("templates"),
    static_dir=_find("static"),
    plotly_js=Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
)
