"""The review side: hit map layers, the township ranking, heat-source proposals from inspectors,
incident merges/splits and the heat mask (exports and the bulletin: ``routes/exports.py``)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import shapely
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from firegrid.api.deps import HeatManagerDep, PrincipalDep, ReviewerDep, SessionDep, StateDep
from firegrid.auth.roles import Principal
from firegrid.errors import NotFoundError
from firegrid.services import heat_mask, queries, stats
from firegrid.services.grid import ActiveGrid
from firegrid.services.heat_sources import decide_proposal
from firegrid.services.incident_changes import split_incident, undo_change
from firegrid.services.tasks import create_task
from firegrid.store.tables import (
    HeatMaskCandidate,
    HeatSourceProposal,
    IncidentChange,
    IncidentRow,
    TaskRow,
    utcnow,
)

router = APIRouter(tags=["review"])


def _grid(state: StateDep, session: SessionDep) -> ActiveGrid:
    grid = state.runtime.grids.get(session)
    if grid is None:
        raise NotFoundError("no grid has been imported", code="no_grid")
    return grid


def _window(since: datetime | None, until: datetime | None, hazard: str | None) -> stats.Window:
    def aware(value: datetime | None) -> datetime | None:
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)

    return stats.Window(aware(since), aware(until), hazard)


Since = Annotated[datetime | None, Query(description="first detection at or after (ISO 8601)")]
Until = Annotated[datetime | None, Query(description="first detection before")]
HazardQ = Annotated[Literal["fire", "dust", "site_compliance"] | None, Query()]


def _cached(request: Request, session: SessionDep, principal: Principal, key: str, build: Any) -> Response:
    """JSON, cached per (caller scope, query, data version), with an ETag."""
    version = session.execute(
        select(func.count(IncidentRow.id), func.max(IncidentRow.updated_at), func.max(TaskRow.updated_at))
        .select_from(IncidentRow)
        .outerjoin(TaskRow, TaskRow.incident_id == IncidentRow.id)
    ).one()
    minute = utcnow().strftime("%Y%m%d%H%M")  # overdue colours change with the clock
    raw = f"{key}|{principal.paths}|{request.url.query}|{tuple(version)}|{minute}"
    etag = '"' + hashlib.sha1(raw.encode()).hexdigest() + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    cache: dict[str, bytes] = request.app.state.response_cache
    body = cache.get(etag)
    if body is None:
        body = json.dumps(build(), ensure_ascii=False, separators=(",", ":"), default=str).encode()
        if len(cache) > 256:
            cache.clear()
        cache[etag] = body
    return Response(
        body, media_type="application/json", headers={"ETag": etag, "Cache-Control": "private, no-cache"}
    )


@router.get("/stats/hits.geojson")
def hit_points(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    since: Since = None,
    until: Until = None,
    hazard: HazardQ = None,
    suppressed: bool = False,
) -> Response:
    """Incidents as points coloured by task status (``overdue`` included); suppressed points on request."""
    window = _window(since, until, hazard)
    return _cached(
        request,
        session,
        principal,
        "hits",
        lambda: stats.hits(session, principal, window, utcnow(), suppressed),
    )


@router.get("/stats/cells.geojson")
def cell_counts(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    level: Literal["county", "township", "village"] = "township",
    since: Since = None,
    until: Until = None,
    hazard: HazardQ = None,
) -> Response:
    """Cells with pushed / confirmed counts (raw and per 100 km²) for the choropleth."""
    grid = _grid(state, session)
    window = _window(since, until, hazard)
    return _cached(
        request,
        session,
        principal,
        f"cells:{level}:{grid.version_id}",
        lambda: stats.cells(session, principal, grid.tree, grid.version_id, level, window, utcnow()),
    )


@router.get("/stats/ranking")
def township_ranking(
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    since: Since = None,
    until: Until = None,
    hazard: HazardQ = None,
) -> list[dict[str, Any]]:
    """Townships ranked by confirmed points: pushed, confirmed, 查实率, median verify time, overdue."""
    grid = _grid(state, session)
    return stats.ranking(
        session, principal, grid.tree, grid.version_id, _window(since, until, hazard), utcnow()
    )


class Decision(BaseModel):
    """An operator's decision on a proposal."""

    accept: bool
    radius_m: float = Field(500.0, gt=0, le=5000)


@router.get("/heat-sources/proposals")
def proposals(_: HeatManagerDep, session: SessionDep, status: str = "proposed") -> list[dict[str, Any]]:
    """Inspectors' "industrial heat source" rejections waiting for a decision."""
    rows = session.scalars(
        select(HeatSourceProposal).where(HeatSourceProposal.status == status).order_by(HeatSourceProposal.id)
    )
    return [
        {
            "id": p.id,
            "task_id": p.task_id,
            "incident_id": p.incident_id,
            "lon": p.lon,
            "lat": p.lat,
            "proposed_by": p.proposed_by,
            "reason": p.reason,
            "status": p.status,
            "heat_source_id": p.heat_source_id,
            "created_at": p.created_at,
        }
        for p in rows
    ]


@router.post("/heat-sources/proposals/{proposal_id}")
def decide(
    proposal_id: int, body: Decision, principal: HeatManagerDep, session: SessionDep
) -> dict[str, Any]:
    """Accept (adds a registry entry; later detections there are suppressed) or decline."""
    proposal = decide_proposal(session, proposal_id, body.accept, principal.name, body.radius_m, utcnow())
    session.commit()
    return {"id": proposal.id, "status": proposal.status, "heat_source_id": proposal.heat_source_id}


class SplitIn(BaseModel):
    """Detections to move into a new incident (with its own task)."""

    detection_ids: list[int] = Field(min_length=1)
    reason: str = Field("split by a reviewer", max_length=300)


@router.get("/incidents/{incident_id}/changes")
def incident_changes(incident_id: int, principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """Merges and splits that touched the incident (automatic fusion and reviewers), undoable."""
    queries.get_incident(session, principal, incident_id)
    rows = session.scalars(
        select(IncidentChange)
        .where((IncidentChange.incident_id == incident_id) | (IncidentChange.other_id == incident_id))
        .order_by(IncidentChange.id)
    )
    return [
        {
            "id": c.id,
            "kind": c.kind,
            "incident_id": c.incident_id,
            "other_id": c.other_id,
            "detection_ids": c.detection_ids,
            "actor": c.actor,
            "reason": c.reason,
            "at": c.at,
            "undone_at": c.undone_at,
        }
        for c in rows
    ]


@router.post("/incidents/{incident_id}/split")
def split(
    incident_id: int, body: SplitIn, principal: ReviewerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Move detections of a wrongly fused incident into a new incident and task."""
    queries.get_incident(session, principal, incident_id)
    change = split_incident(session, incident_id, body.detection_ids, principal.name, body.reason)
    other = session.get_one(IncidentRow, change.other_id)
    grid = _grid(state, session)
    task = create_task(
        session, other, grid.tree, state.runtime.settings.pipeline, tuple(state.runtime.channels)
    )
    session.commit()
    return {"change_id": change.id, "incident_id": other.id, "task_id": task.id}


@router.post("/incidents/changes/{change_id}/undo")
def undo(change_id: int, principal: ReviewerDep, session: SessionDep) -> dict[str, Any]:
    """Put a merge or a split back."""
    change = session.get(IncidentChange, change_id)
    if change is None:
        raise NotFoundError(f"no incident change {change_id}")
    queries.get_incident(session, principal, change.incident_id)
    undo_change(session, change_id, principal.name)
    session.commit()
    return {"id": change.id, "kind": change.kind, "undone_at": change.undone_at}


class MaskDecision(BaseModel):
    """Accept or reject a heat-mask candidate."""

    accept: bool


@router.get("/heat-mask/candidates")
def mask_candidates(_: HeatManagerDep, session: SessionDep, status: str = "proposed") -> dict[str, Any]:
    """Persistent-heat candidates (GeoJSON) with their evidence, strongest first."""
    rows = session.scalars(
        select(HeatMaskCandidate)
        .where(HeatMaskCandidate.status == status)
        .order_by(HeatMaskCandidate.score.desc())
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r.id,
                "geometry": shapely.geometry.mapping(shapely.from_wkb(r.geom_wkb)),
                "properties": {
                    "key": r.key,
                    "status": r.status,
                    "lon": r.lon,
                    "lat": r.lat,
                    "detections": r.detections,
                    "days": r.days,
                    "night_overpasses": r.night_overpasses,
                    "outside_harvest_days": r.outside_harvest_days,
                    "proposals": r.proposals,
                    "score": r.score,
                    "reasons": r.reasons,
                    "first_seen": r.first_seen.isoformat(),
                    "last_seen": r.last_seen.isoformat(),
                    "heat_source_id": r.heat_source_id,
                },
            }
            for r in rows
        ],
    }


@router.post("/heat-mask/candidates/{candidate_id}")
def decide_mask(
    candidate_id: int, body: MaskDecision, principal: HeatManagerDep, session: SessionDep
) -> dict[str, Any]:
    """Accept (masked from now on) or reject a candidate."""
    row = heat_mask.decide(session, candidate_id, body.accept, principal.name, utcnow())
    session.commit()
    return {"id": row.id, "status": row.status, "heat_source_id": row.heat_source_id}
