"""``/docs``: Swagger UI served from the package (vendored from npm like Leaflet), so the API tour works on
an offline or intranet deployment. The page has no inline script (``/static/docs.js`` starts it), which
keeps it within a strict Content-Security-Policy."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from firegrid.api.access import At, access
from firegrid.api.pages import WEB

log = logging.getLogger(__name__)

VENDOR = "/static/vendor/swagger-ui"
PAGE = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>firegrid API</title>
<link rel="stylesheet" href="{VENDOR}/swagger-ui.css">
<link rel="icon" href="/app/icon.svg">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{VENDOR}/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


def mount_docs(app: FastAPI) -> None:
    """``GET /docs`` (Swagger UI from ``/static/vendor/swagger-ui``)."""
    if not (WEB / "static" / "vendor" / "swagger-ui" / "swagger-ui-bundle.js").is_file():
        log.warning("Swagger UI is not vendored: run `make vendor`; /docs will not draw")

    @app.get("/docs", include_in_schema=False, **access(At.PUBLIC, None))
    def docs() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"Cache-Control": "no-cache"})
