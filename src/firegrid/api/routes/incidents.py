"""Incidents and detections: lists (JSON or GeoJSON) filtered to the caller's subtree."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from firegrid.api.access import At, access
from firegrid.api.deps import PrincipalDep, SessionDep
from firegrid.api.schemas import DetectionOut, IncidentDetail, IncidentOut
from firegrid.errors import InputError
from firegrid.services import queries
from firegrid.services.grid import cell_row
from firegrid.types import BBox

router = APIRouter(tags=["incidents"])


def filters(
    session: SessionDep,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str | None = None,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat (WGS84)")] = None,
    cell: Annotated[str | None, Query(description="only this cell's subtree")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> queries.Filters:
    """Common query parameters."""
    box = None
    if bbox:
        try:
            x0, y0, x1, y1 = (float(v) for v in bbox.split(","))
            box = BBox((x0, y0, x1, y1))
        except ValueError as exc:
            raise InputError(f"bbox must be min_lon,min_lat,max_lon,max_lat: {exc}") from None
    path = cell_row(session, cell).path if cell else None
    return queries.Filters(since, until, status, box, path, limit, offset)


FiltersDep = Annotated[queries.Filters, Depends(filters)]


@router.get("/incidents", **access(At.SUBTREE, reads=("incidents",)))
def list_incidents(principal: PrincipalDep, session: SessionDep, f: FiltersDep) -> list[IncidentOut]:
    """Incidents, newest first."""
    return [IncidentOut.model_validate(i) for i in queries.list_incidents(session, principal, f)]


@router.get("/incidents.geojson", **access(At.SUBTREE, reads=("incidents",)))
def incidents_geojson(principal: PrincipalDep, session: SessionDep, f: FiltersDep) -> dict[str, Any]:
    """Incidents as a GeoJSON FeatureCollection (WGS84 points)."""
    features = [
        {
            "type": "Feature",
            "id": i.id,
            "geometry": {"type": "Point", "coordinates": [i.lon, i.lat]},
            "properties": IncidentOut.model_validate(i).model_dump(mode="json", exclude={"lon", "lat"}),
        }
        for i in queries.list_incidents(session, principal, f)
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get("/incidents/{incident_id}", **access(At.SUBTREE, reads=("incidents", "detections")))
def get_incident(incident_id: int, principal: PrincipalDep, session: SessionDep) -> IncidentDetail:
    """One incident with its detections (the evidence) and its task."""
    incident = queries.get_incident(session, principal, incident_id)
    detections = [DetectionOut.model_validate(d) for d in queries.incident_detections(session, incident.id)]
    base = IncidentOut.model_validate(incident).model_dump()
    return IncidentDetail(
        **base, detections=detections, task_id=queries.task_of_incident(session, incident.id)
    )


@router.get("/detections", **access(At.SUBTREE, reads=("detections",)))
def list_detections(principal: PrincipalDep, session: SessionDep, f: FiltersDep) -> list[DetectionOut]:
    """Detections (routed, suppressed, and unrouted for county operators), newest first."""
    return [DetectionOut.model_validate(d) for d in queries.list_detections(session, principal, f)]
