"""Static files answered from memory: every file is read once at start-up into a
:class:`~app.http_cache.Payload` (gzip, strong ETag, ``Cache-Control: no-cache``, 304 on
If-None-Match), so a request is a dict lookup and one write: no thread hop, no stat.

The names loaded at start-up are the only ones that exist, so no URL (``..``, ``%2e%2e``,
an absolute path) reaches another file. In development (``settings.dev``) a directory's
files are read from disk on each request instead, so an edited module needs no restart;
a name must then resolve inside the directory, and dotfiles stay hidden in both modes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from starlette.datastructures import Headers

from app.errors import problem
from app.http_cache import Payload

# Explicit, so the answer does not depend on the machine's /etc/mime.types (JavaScript
# must be a JavaScript type or the browser refuses a module). Starlette adds
# `; charset=utf-8` to the text/ types.
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".txt": "text/plain",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
METHODS = ("GET", "HEAD")


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def load(path: Path) -> Payload:
    return Payload(path.read_bytes(), media_type(path))


def hidden(name: str) -> bool:
    """A dotfile or dot-directory (an editor's swap file, `..`): never served."""
    return any(part.startswith(".") for part in name.split("/"))


def inside(root: Path, path: Path) -> bool:
    """`path` is a file that resolves (symlinks followed) to a place under `root`."""
    return path.resolve().is_relative_to(root.resolve()) and path.is_file()


def files_under(root: Path) -> dict[str, Path]:
    """Every file below `root` by its URL name (`js/lib/http.js`): no dotfiles, and no
    symlink that leads out of `root` (the same rule as a lookup in development)."""
    files = {path.relative_to(root).as_posix(): path for path in sorted(root.rglob("*"))}
    return {name: path for name, path in files.items() if not hidden(name) and inside(root, path)}


class Assets:
    """A pure ASGI app for one URL prefix (``/static``, reached through StaticFirst): GET and HEAD.

    `files` maps a name below the prefix to its file. With `root` and `dev`, names are
    looked up in that directory on each request (files added later are found too)."""

    def __init__(self, files: Mapping[str, Path], *, root: Path | None = None, dev: bool = False):
        self.files = dict(files)
        self.root = root.resolve() if root is not None else None
        self.dev = dev
        self.payloads: dict[str, Payload] = {} if dev else {name: load(path) for name, path in self.files.items()}

    @classmethod
    def directory(cls, root: Path, *, dev: bool = False) -> Assets:
        return cls(files_under(root), root=root, dev=dev)

    def lookup(self, name: str) -> Payload | None:
        if not self.dev:
            return self.payloads.get(name)
        path = self.files.get(name) if self.root is None else self._on_disk(name)
        try:
            return load(path) if path is not None else None
        except OSError:  # deleted or unreadable since: as if it were not there
            return None

    def _on_disk(self, name: str) -> Path | None:
        if not name or hidden(name):
            return None
        path = self.root / name
        return path if inside(self.root, path) else None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":  # a websocket handshake: refused (the server answers 403)
            await send({"type": "websocket.close", "code": 1008})
            return
        method = scope["method"]
        if method not in METHODS:
            response = problem(405, message=f"{method} is not allowed here: static files answer GET and HEAD")
            response.headers["Allow"] = ", ".join(METHODS)
            await response(scope, receive, send)
            return
        payload = self.lookup(route_name(scope))
        if payload is None:
            await problem(404, message=f"no such file: {scope['path']}")(scope, receive, send)
            return
        response = payload.response(Headers(scope=scope))
        await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})


def route_name(scope) -> str:
    """The path below the prefix, without its leading slash (StaticFirst, like Starlette's
    Mount, puts the prefix in `root_path` and leaves `path` whole)."""
    path, prefix = scope["path"], scope.get("root_path", "")
    if prefix and path.startswith(prefix):
        path = path[len(prefix):]
    return path.removeprefix("/")


class StaticFirst:
    """A pure ASGI middleware that answers the static prefixes before routing: a file needs
    no route matching, no exception middleware and no CPU budget, and these are most of a
    page load's requests (23 of 25 for /graph). Everything else goes on to the app."""

    def __init__(self, app, mounts: Mapping[str, Assets]):
        self.app = app
        self.mounts = [(prefix.rstrip("/") + "/", prefix.rstrip("/"), assets) for prefix, assets in mounts.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            for slashed, prefix, assets in self.mounts:
                if path.startswith(slashed):
                    await assets({**scope, "root_path": prefix}, receive, send)
                    return
        await self.app(scope, receive, send)


def vendor_files(plotly_js: Path, swagger_ui_dir: Path) -> dict[str, Path]:
    """Third-party files from installed packages, by their name below ``/vendor/``."""
    return {
        "plotly.min.js": plotly_js,
        **{f"swagger-ui/{name}": swagger_ui_dir / name for name in ("swagger-ui-bundle.js", "swagger-ui.css",
                                                                   "favicon.png")},
    }


__all__ = ["MEDIA_TYPES", "Assets", "StaticFirst", "files_under", "media_type", "vendor_files"]
