"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy import text

from firegrid import __version__
from firegrid.api.access import At, access
from firegrid.api.deps import StateDep
from firegrid.api.schemas import binary
from firegrid.services.grid import active_version
from firegrid.store.db import schema_is_current

router = APIRouter(tags=["health"])
RETRY_AFTER_S = 5


@router.get("/health", **access(At.PUBLIC, None))
def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/ready",
    responses={503: {"description": "Not ready: the checks say which part is down"}},
    **access(At.PUBLIC, None),
)
def ready(state: StateDep) -> JSONResponse:
    """Ready to serve: database reachable and migrated, a grid loaded, broker reachable."""
    checks: dict[str, Any] = {}
    try:
        with state.runtime.sessions() as session:
            session.execute(text("SELECT 1"))
            checks["database"] = "ok"
            checks["schema"] = "ok" if schema_is_current(state.runtime.engine) else "not migrated"
            version = active_version(session)
            checks["grid"] = f"version {version.id}" if version else "no grid imported"
    except Exception as exc:  # readiness reports, never raises
        checks["database"] = f"unavailable: {type(exc).__name__}"
    checks["broker"] = "ok" if state.queue.ping() else "unavailable"
    ok = checks.get("database") == "ok" and checks.get("schema") == "ok" and checks["broker"] == "ok"
    ok = ok and str(checks.get("grid", "")).startswith("version")
    headers = None if ok else {"Retry-After": str(RETRY_AFTER_S)}  # as the 503s of other routes
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503, headers=headers)


@router.get(
    "/metrics",
    responses=binary("text/plain", description="Prometheus text format"),
    **access(At.PUBLIC, None),
)
def metrics(request: Request) -> Response:
    """Prometheus text format: this process (requests, detector latency, ...) and database-wide gauges."""
    body = generate_latest(REGISTRY) + generate_latest(request.app.state.metrics_registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
