"""Security headers on every answer (pages and API): a Content-Security-Policy the pages pass in
Chromium (tests/web), no MIME sniffing, no framing, no referrer leaving the server.

The pages and ``/docs`` load only their own scripts and styles (Leaflet and Swagger UI are vendored,
no inline script); photos are shown from ``blob:`` URLs, Leaflet draws with ``data:`` images, and
basemap tiles come from the configured origins (``BasemapSettings.origins()``) or the server itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def page_policy(image_origins: Sequence[str] = (), style_hashes: Sequence[str] = ()) -> str:
    """The Content-Security-Policy; ``image_origins``: outside origins images (tiles) may come from;
    ``style_hashes``: inline styles a page may carry (``sha256-...``)."""
    images = " ".join(["'self'", "data:", "blob:", *image_origins])
    styles = " ".join(["'self'", *(f"'{h}'" for h in style_hashes)])
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {styles}",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()",
}


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers above unless the answer set its own."""

    def __init__(
        self, app: ASGIApp, image_origins: Sequence[str] = (), style_hashes: Sequence[str] = ()
    ) -> None:
        self.app = app
        self.headers = {**COMMON, "Content-Security-Policy": page_policy(image_origins, style_hashes)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
