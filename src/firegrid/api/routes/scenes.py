"""Register satellite scenes to scan (a path on shared storage, or a Sentinel Hub request)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.deps import IngestorDep, SessionDep, StateDep
from firegrid.auth.roles import Permission
from firegrid.errors import InputError
from firegrid.imagery.sentinelhub import COLLECTIONS
from firegrid.services.ownership import home_path, owned_by, visible
from firegrid.services.scenes import check_scene_path, create_scene_job, scan_options
from firegrid.store.tables import SceneJob

router = APIRouter(prefix="/scenes", tags=["scenes"])
SceneDetectorName = Literal["fire", "bare-soil"]
FIRE: SceneDetectorName = "fire"


class SentinelHubRequest(BaseModel):
    """Find the clearest acquisition in a time range over a WGS84 bbox, download and scan it."""

    collection: str = "sentinel-2-l1c"
    bbox: tuple[float, float, float, float] = Field(description="min_lon, min_lat, max_lon, max_lat")
    start: datetime
    end: datetime
    max_cloud: float = Field(30.0, ge=0, le=100)
    resolution: float | None = Field(None, gt=0)


class SceneIn(BaseModel):
    """A scene folder under an allowed root, or a Sentinel Hub request."""

    path: str | None = None
    sentinelhub: SentinelHubRequest | None = None
    sensor: str = "auto"
    detector: str | None = None
    detectors: list[SceneDetectorName] = Field(default_factory=lambda: [FIRE], min_length=1)


class SceneJobOut(BaseModel):
    """A scene job and, once done, its fire points and bare-soil patches."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    source: str
    status: str
    scene_id: str | None
    windows_total: int
    summary: dict[str, Any]
    error: str | None
    created_at: datetime
    finished_at: datetime | None


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    **access(At.SUBTREE, Permission.INGEST, writes=("scene_jobs",)),
)
def register(body: SceneIn, principal: IngestorDep, session: SessionDep, state: StateDep) -> SceneJobOut:
    """Queue a scene; poll ``GET /scenes/{id}`` for the result."""
    settings = state.runtime.settings
    if (body.path is None) == (body.sentinelhub is None):
        raise InputError("give either path or sentinelhub")
    request: dict[str, Any] = {}
    if body.sentinelhub is not None:
        if body.sentinelhub.collection not in COLLECTIONS:
            raise InputError(f"unknown collection; known: {', '.join(COLLECTIONS)}")
        request = body.sentinelhub.model_dump(mode="json")
        source = str(settings.scenes_dir / f"sentinelhub-{uuid.uuid4().hex[:12]}")
    else:
        source = str(check_scene_path(str(body.path), settings.data_roots()))
    request["scan"] = scan_options(list(dict.fromkeys(body.detectors)))
    job = create_scene_job(
        session,
        source,
        sensor=body.sensor,
        detector=body.detector,
        request=request,
        submitted_by=principal.name,
        owner_path=home_path(principal),
    )
    session.commit()
    state.queue.scene(job.id)
    return SceneJobOut.model_validate(job)


@router.get("/{job_id}", **access(At.SUBTREE, Permission.INGEST, reads=("scene_jobs",)))
def get_job(job_id: int, principal: IngestorDep, session: SessionDep) -> SceneJobOut:
    """One scene job of the caller's subtree."""
    return SceneJobOut.model_validate(
        visible(principal, session.get(SceneJob, job_id), f"scene job {job_id}")
    )


@router.get("", **access(At.SUBTREE, Permission.INGEST, reads=("scene_jobs",)))
def list_jobs(principal: IngestorDep, session: SessionDep, limit: int = 50) -> list[SceneJobOut]:
    """Recent scene jobs of the caller's subtree, newest first."""
    query = select(SceneJob).where(owned_by(SceneJob.owner_path, principal))
    rows = session.scalars(query.order_by(SceneJob.id.desc()).limit(min(limit, 500)))
    return [SceneJobOut.model_validate(j) for j in rows]
