"""The review side: hit map layers, the township ranking, exports, CAP, the daily bulletin,
and heat-source proposals from inspectors."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from firegrid.api.bulletin_page import render_bulletin
from firegrid.api.deps import HeatManagerDep, PrincipalDep, SessionDep, StateDep
from firegrid.auth.roles import Principal
from firegrid.errors import NotFoundError
from firegrid.services import exports, queries, stats
from firegrid.services.grid import ActiveGrid
from firegrid.services.heat_sources import decide_proposal
from firegrid.store.tables import HeatSourceProposal, IncidentRow, TaskRow, utcnow

router = APIRouter(tags=["review"])


def _grid(state: StateDep, session: SessionDep) -> ActiveGrid:
    grid = state.runtime.grids.get(session)
    if grid is None:
        raise NotFoundError("no grid has been imported")
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


@router.get("/export/incidents.{fmt}")
def export_incidents(
    fmt: Literal["csv", "xlsx", "geojson"],
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    since: Since = None,
    until: Until = None,
    hazard: HazardQ = None,
) -> Response:
    """Incidents of the window as CSV (UTF-8 BOM), XLSX or GeoJSON."""
    grid = state.runtime.grids.get(session)
    rows = exports.incident_rows(
        session, principal, _window(since, until, hazard), grid.tree if grid else None, utcnow()
    )
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        body, media = exports.to_csv(rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, media = (
            exports.to_xlsx(rows),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        body = json.dumps(exports.to_geojson(rows), ensure_ascii=False).encode()
        media = "application/geo+json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="incidents-{stamp}.{fmt}"'},
    )


@router.get("/incidents/{incident_id}/cap.xml")
def cap(incident_id: int, principal: PrincipalDep, session: SessionDep, state: StateDep) -> Response:
    """The incident's latest revision as a CAP 1.2 message (Alert / Update / Cancel + references)."""
    incident = queries.get_incident(session, principal, incident_id)
    grid = state.runtime.grids.get(session)
    place = (
        " / ".join(c.name for c in grid.tree.ancestors(incident.cell_code))
        if grid and incident.cell_code and incident.cell_code in grid.tree
        else ""
    )
    settings = state.runtime.settings
    body = exports.cap_message(session, incident, "firegrid", settings.pipeline.zone, place)
    return Response(body, media_type="application/cap+xml")


def _bulletin(state: StateDep, session: SessionDep, principal: Principal, day: date | None) -> dict[str, Any]:
    grid = _grid(state, session)
    zone = state.runtime.settings.pipeline.zone
    window = exports.bulletin_window(day or datetime.now(zone).date(), zone)
    return exports.bulletin(session, principal, grid.tree, grid.version_id, window, utcnow())


@router.get("/bulletins/daily", response_class=HTMLResponse)
def daily_bulletin(
    principal: PrincipalDep, session: SessionDep, state: StateDep, day: Annotated[date | None, Query()] = None
) -> HTMLResponse:
    """The daily bulletin (17:00 to 17:00 local) as HTML with the ranking and the map."""
    data = _bulletin(state, session, principal, day)
    return HTMLResponse(render_bulletin(data, exports.render_map(data)))


@router.get("/bulletins/daily.json")
def daily_bulletin_json(
    principal: PrincipalDep, session: SessionDep, state: StateDep, day: Annotated[date | None, Query()] = None
) -> dict[str, Any]:
    """The bulletin's numbers."""
    data = _bulletin(state, session, principal, day)
    return {k: v for k, v in data.items() if k not in ("points", "cells")}


@router.get("/bulletins/daily.png")
def daily_bulletin_map(
    principal: PrincipalDep, session: SessionDep, state: StateDep, day: Annotated[date | None, Query()] = None
) -> Response:
    """The bulletin's map (township shading by confirmed points, points by status), PNG."""
    data = _bulletin(state, session, principal, day)
    return Response(exports.render_map(data), media_type="image/png")


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
