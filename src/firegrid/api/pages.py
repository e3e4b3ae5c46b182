"""The browser pages, served by the API itself: the inspector app (``/app/``, a PWA), the
township review page (``/map/``) and the vendored front-end libraries (``/static/``).

Nothing is loaded from outside the server: Leaflet and leaflet.heat are installed from npm and
copied into the package by ``scripts/vendor_web.sh`` (``make vendor``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

log = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent.parent / "web"


class PageFiles(StaticFiles):
    """Static files that browsers revalidate (a new release is picked up at once)."""

    async def get_response(self, path, scope):  # type: ignore[no-untyped-def]
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        if path.endswith("sw.js"):
            response.headers["Service-Worker-Allowed"] = "/app/"
        return response


def mount_pages(app: FastAPI) -> None:
    """Mount ``/static``, ``/app`` and ``/map``."""
    vendor = WEB / "static" / "vendor" / "leaflet" / "leaflet.js"
    if not vendor.is_file():
        log.warning(
            "Leaflet is not vendored (%s missing): run `make vendor`; the map pages will not draw", vendor
        )
    app.mount("/static", PageFiles(directory=WEB / "static", check_dir=False), name="static")
    app.mount("/app", PageFiles(directory=WEB / "app", html=True), name="app")
    app.mount("/map", PageFiles(directory=WEB / "map", html=True), name="map")
