"""The FastAPI application factory."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

import anyio
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry

from firegrid import __version__
from firegrid.api.access import At, access
from firegrid.api.bodies import RequestGuard
from firegrid.api.bulletin_page import STYLE_HASH
from firegrid.api.cache import ResponseCache
from firegrid.api.deps import AppState, get_principal
from firegrid.api.docs import mount_docs
from firegrid.api.errors import add_exception_handlers
from firegrid.api.headers import SecurityHeaders
from firegrid.api.metrics import HttpMetrics, PipelineCollector
from firegrid.api.pages import mount_pages
from firegrid.api.routes import (
    audit,
    auth,
    cameras,
    exports,
    grid,
    health,
    heat_sources,
    incidents,
    ingest,
    maps,
    masks,
    notify,
    review,
    scenes,
    sites,
    sources,
    tasks,
    ui,
    users,
)
from firegrid.api.schemas import ERROR_RESPONSES
from firegrid.auth import credentials
from firegrid.config import Settings
from firegrid.logs import configure, install_redaction, new_request_id, request_id
from firegrid.worker.app import TaskQueue, create_celery
from firegrid.worker.context import build_runtime

log = logging.getLogger(__name__)

MULTIPART_SLACK = 64 * 1024

DESCRIPTION = """
firegrid turns fire points and dust sources (satellite, camera, drone) into verification tasks
for the grid inspector of each village. The inspector app is at `/app/`, the township review
page (hit map and ranking) at `/map/`. Errors carry a machine `code` and a `message` to show people
(zh-CN unless `Accept-Language` puts English first); times are UTC (ISO 8601).

Log in with `POST /auth/token` (OAuth2 password flow) or send an `X-API-Key` header.
Every list is filtered to the caller's grid subtree.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; resources are created in the lifespan, not at import."""
    settings = settings or Settings()
    install_redaction()  # also under a host that configured logging itself (tests, uvicorn)
    if not logging.getLogger().handlers:  # a uvicorn worker process started from the factory
        configure(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = build_runtime(settings)
        queue = TaskQueue(create_celery(settings))
        credentials.dummy_hash()  # computed once now, so an unknown user's first login costs no more
        heavy = anyio.CapacityLimiter(settings.heavy_workers)
        app.state.firegrid = AppState(runtime, queue, settings.jwt_keys(), heavy=heavy)
        registry = CollectorRegistry()
        registry.register(PipelineCollector(runtime.sessions, queue.depth))
        app.state.metrics_registry = registry
        app.state.http_metrics = HttpMetrics(registry)
        log.info("firegrid API up (database %s)", runtime.engine.url.render_as_string(hide_password=True))
        for warning in settings.basemap.warnings():
            log.warning("%s", warning)
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(
        title="firegrid",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # /docs is served from the package (api/docs.py), not a CDN
        redoc_url=None,
        responses=ERROR_RESPONSES,
    )
    add_exception_handlers(app)
    _guard(app, settings)  # innermost: its 413 reaches FastAPI as such, not wrapped by the middlewares below

    @app.middleware("http")
    async def count_requests(request, call_next):  # type: ignore[no-untyped-def]
        metrics: HttpMetrics | None = getattr(request.app.state, "http_metrics", None)
        if metrics is None:
            return await call_next(request)
        return await metrics.middleware(request, call_next)

    @app.middleware("http")
    async def tag_request(request, call_next):  # type: ignore[no-untyped-def]
        rid = new_request_id(request.headers.get("x-request-id"))
        token = request_id.set(rid)
        start = time.perf_counter()
        try:
            response = await call_next(request)
            elapsed_ms = (time.perf_counter() - start) * 1e3
            log.debug(
                "%s %s -> %d (%.0f ms)", request.method, request.url.path, response.status_code, elapsed_ms
            )
        finally:
            request_id.reset(token)
        response.headers["X-Request-ID"] = rid
        return response

    @app.get("/", include_in_schema=False, **access(At.PUBLIC, None))
    def root() -> RedirectResponse:
        return RedirectResponse("/app/")

    app.state.response_cache = ResponseCache()
    mount_pages(app)
    mount_docs(app)

    for module in ROUTERS:
        app.include_router(module.router)
    # outermost: every answer; the map page writes the bulletin (one inline style) into a window it opens
    app.add_middleware(SecurityHeaders, image_origins=settings.basemap.origins(), style_hashes=[STYLE_HASH])
    return app


ROUTERS: tuple[ModuleType, ...] = (health, auth, ingest, scenes, sources, cameras, grid, incidents, tasks)
ROUTERS += (heat_sources, sites, users, notify, maps, review, exports, ui, masks, audit)


def _guard(app: FastAPI, settings: Settings) -> None:
    """Credentials and body size before a body is read (``api/bodies.py``)."""
    app.add_middleware(
        RequestGuard,
        routes=[r for m in ROUTERS for r in m.router.routes if isinstance(r, APIRoute)],
        limits={
            "upload": settings.upload_max_bytes + MULTIPART_SLACK,
            "photo": settings.tasks.photo_max_bytes + MULTIPART_SLACK,
        },
        default=settings.body_max_bytes,
        principal=get_principal,
    )
