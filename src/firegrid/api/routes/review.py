"""The review side: hit map layers, the township ranking, incident merges/splits (exports and the
bulletin: ``routes/exports.py``; heat-source proposals and the heat mask: ``routes/masks.py``)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from firegrid.api.access import At, access
from firegrid.api.deps import PrincipalDep, ReviewerDep, SessionDep, StateDep
from firegrid.auth.roles import Permission, Principal
from firegrid.errors import NotFoundError
from firegrid.services import queries, stats
from firegrid.services.grid import ActiveGrid
from firegrid.services.incident_changes import split_incident, undo_change
from firegrid.services.tasks import create_task
from firegrid.store.tables import (
    IncidentChange,
    IncidentRow,
    TaskRow,
    utcnow,
)

router = APIRouter(tags=["review"])
READS = ("incidents", "tasks")


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


@router.get("/stats/hits.geojson", **access(At.SUBTREE, reads=READS))
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


@router.get("/stats/cells.geojson", **access(At.SUBTREE, reads=READS))
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


@router.get("/stats/ranking", **access(At.SUBTREE, reads=READS))
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


class SplitIn(BaseModel):
    """Detections to move into a new incident (with its own task)."""

    detection_ids: list[int] = Field(min_length=1)
    reason: str = Field("split by a reviewer", max_length=300)


@router.get("/incidents/{incident_id}/changes", **access(At.SUBTREE, reads=("incidents",)))
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


@router.post("/incidents/{incident_id}/split", **access(At.SUBTREE, Permission.REVIEW_TASKS, writes=READS))
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


@router.post(
    "/incidents/changes/{change_id}/undo", **access(At.SUBTREE, Permission.REVIEW_TASKS, writes=READS)
)
def undo(change_id: int, principal: ReviewerDep, session: SessionDep) -> dict[str, Any]:
    """Put a merge or a split back."""
    change = session.get(IncidentChange, change_id)
    if change is None:
        raise NotFoundError(f"no incident change {change_id}")
    queries.get_incident(session, principal, change.incident_id)
    undo_change(session, change_id, principal.name)
    session.commit()
    return {"id": change.id, "kind": change.kind, "undone_at": change.undone_at}
