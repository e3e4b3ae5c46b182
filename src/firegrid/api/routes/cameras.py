"""Cameras (definitions without credentials, health) and their confirmed events with evidence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Body
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.deps import IngestorDep, PrincipalDep, SessionDep, StateDep, writer_for
from firegrid.api.schemas import binary
from firegrid.auth.roles import Permission
from firegrid.cameras.config import CameraConfig
from firegrid.errors import InputError, NotFoundError
from firegrid.services.cameras import camera_row, check_api_camera, describe_camera, upsert_camera
from firegrid.services.ownership import owned_by
from firegrid.store.tables import CameraEvent, CameraRow

router = APIRouter(tags=["cameras"])


class CameraEventOut(BaseModel):
    """A confirmed sighting."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    camera_id: str
    preset: str
    class_name: str
    score: float
    box: list[float]
    azimuth_deg: float
    elevation_deg: float
    lon: float
    lat: float
    uncertainty_m: float
    locate_method: str
    confirmed_at: datetime
    model: str
    model_version: str


@router.get("/cameras", **access(At.SUBTREE, reads=("cameras",)))
def list_cameras(principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """The cameras of the caller's subtree: definition (no credentials; stream and PTZ URLs only for
    roles that run cameras) and health (online, last frame, errors)."""
    query = select(CameraRow).where(owned_by(CameraRow.owner_path, principal)).order_by(CameraRow.id)
    urls = principal.can(Permission.INGEST)
    return [describe_camera(r, urls) for r in session.scalars(query)]


@router.get("/cameras/{camera_id}", **access(At.SUBTREE, reads=("cameras",)))
def get_camera(camera_id: str, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """One camera."""
    return describe_camera(camera_row(session, camera_id, principal), principal.can(Permission.INGEST))


@router.put("/cameras/{camera_id}", **access(At.SUBTREE, Permission.INGEST, writes=("cameras",)))
def put_camera(
    camera_id: str,
    principal: IngestorDep,
    session: SessionDep,
    state: StateDep,
    body: dict[str, Any] = Body(...),
) -> dict[str, Any]:
    """Create or replace a camera standing in the caller's area (credentials as ``FIREGRID_CAMERA_*``
    variables or files under the scan roots; stream and PTZ URLs must be public or in
    FIREGRID_ALLOWED_NETWORKS)."""
    try:
        config = CameraConfig.model_validate({**body, "id": camera_id})
    except ValidationError as exc:
        raise InputError(f"camera {camera_id}: {exc.errors(include_url=False)}") from None
    settings = state.runtime.settings
    check_api_camera(config, settings.guard(), settings.data_roots())
    row = upsert_camera(session, config, writer_for(state, session, principal))
    session.commit()
    return describe_camera(row)


@router.get("/camera-events", **access(At.SUBTREE, Permission.INGEST, reads=("camera_events",)))
def list_events(
    principal: IngestorDep, session: SessionDep, camera: str | None = None, limit: int = 100
) -> list[CameraEventOut]:
    """Recent confirmed events of the caller's cameras, newest first."""
    query = select(CameraEvent).where(owned_by(CameraEvent.owner_path, principal))
    query = query.order_by(CameraEvent.id.desc()).limit(min(limit, 1000))
    if camera:
        query = query.where(CameraEvent.camera_id == camera)
    return [CameraEventOut.model_validate(e) for e in session.scalars(query)]


@router.get(
    "/camera-events/{event_id}/{kind}.jpg",
    responses=binary("image/jpeg"),
    **access(At.SUBTREE, Permission.INGEST, reads=("camera_events",)),
)
def evidence(
    event_id: int, kind: Literal["frame", "crop"], principal: IngestorDep, session: SessionDep
) -> FileResponse:
    """The evidence image of an event (frame with the box drawn, or the crop)."""
    event = session.get(CameraEvent, event_id)
    path = None if event is None else (event.frame_path if kind == "frame" else event.crop_path)
    if event is None or path is None or not principal.sees(event.owner_path) or not Path(path).is_file():
        raise NotFoundError(f"no {kind} evidence for camera event {event_id}")
    return FileResponse(path, media_type="image/jpeg")
