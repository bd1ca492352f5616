"""The design's security headers on every response, as a pure ASGI middleware (it wraps
`send`, so event streams pass through untouched and nothing is buffered).

Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`. Every
page (text/html): the Content-Security-Policy of docs/DESIGN.md — only this server's scripts,
inline styles (Plotly sets them), data:/blob: images (Plotly's PNG export, the favicon),
no plugins, no framing. The pages need nothing more: the browser tests run them under it.
"""

from __future__ import annotations

CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
EVERY = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
PAGES = [(b"content-security-policy", CSP.encode())]


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in EVERY if h[0] not in names]
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    headers += [h for h in PAGES if h[0] not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
