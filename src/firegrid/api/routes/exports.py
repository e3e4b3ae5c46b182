"""Exports: the incident table (CSV / XLSX for people, GeoJSON for machines), CAP 1.2, the daily
bulletin (HTML, numbers, map)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from firegrid.api import map_params
from firegrid.api.access import At, access
from firegrid.api.bulletin_page import render_bulletin
from firegrid.api.deps import LangDep, PrincipalDep, SessionDep, StateDep
from firegrid.api.map_params import HazardQ, Since, Until
from firegrid.api.schemas import binary
from firegrid.auth.roles import Principal
from firegrid.services import export_table, exports, queries
from firegrid.store.tables import utcnow

router = APIRouter(tags=["review"])
READS = ("incidents", "tasks")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Day = Annotated[date | None, Query(description="the bulletin's day (17:00 the day before to 17:00)")]


@router.get(
    "/export/incidents.{fmt}",
    responses=binary("text/csv", XLSX, "application/geo+json"),
    **access(At.SUBTREE, reads=READS),
)
def export_incidents(
    fmt: Literal["csv", "xlsx", "geojson"],
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    lang: LangDep,
    since: Since = None,
    until: Until = None,
    hazard: HazardQ = None,
) -> Response:
    """Incidents of the window: CSV (UTF-8 BOM) and XLSX with labelled columns, local times (XLSX: date
    cells) and the codes in trailing columns; GeoJSON with codes and UTC times."""
    grid = state.runtime.grids.get(session)
    rows = export_table.incident_rows(
        session, principal, map_params.window(since, until, hazard), grid.tree if grid else None, utcnow()
    )
    zone = state.runtime.settings.pipeline.zone
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        body, media = export_table.to_csv(rows, zone, lang), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, media = export_table.to_xlsx(rows, zone, lang), XLSX
    else:
        body = json.dumps(export_table.to_geojson(rows), ensure_ascii=False).encode()
        media = "application/geo+json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="incidents-{stamp}.{fmt}"'},
    )


@router.get(
    "/incidents/{incident_id}/cap.xml",
    responses=binary("application/cap+xml"),
    **access(At.SUBTREE, reads=("incidents",)),
)
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
    grid = map_params.active_grid(state, session)
    zone = state.runtime.settings.pipeline.zone
    now = utcnow()  # no day: the window running now (the map's 日报时段); day=: that day's 17:00 bulletin
    window = exports.bulletin_window(day, zone) if day else exports.running_bulletin_window(now, zone)
    return exports.bulletin(session, principal, grid.tree, grid.version_id, window, now)


@router.get("/bulletins/daily", response_class=HTMLResponse, **access(At.SUBTREE, reads=READS))
def daily_bulletin(
    principal: PrincipalDep, session: SessionDep, state: StateDep, lang: LangDep, day: Day = None
) -> HTMLResponse:
    """The daily bulletin (17:00 to 17:00 local) as HTML with the ranking and the map."""
    data = _bulletin(state, session, principal, day)
    zone = state.runtime.settings.pipeline.zone
    return HTMLResponse(render_bulletin(data, exports.render_map(data), zone, lang))


@router.get("/bulletins/daily.json", **access(At.SUBTREE, reads=READS))
def daily_bulletin_json(
    principal: PrincipalDep, session: SessionDep, state: StateDep, day: Day = None
) -> dict[str, Any]:
    """The bulletin's numbers (window times ISO 8601 with the local offset)."""
    data = _bulletin(state, session, principal, day)
    return {k: v for k, v in data.items() if k not in ("points", "cells")}


@router.get("/bulletins/daily.png", responses=binary("image/png"), **access(At.SUBTREE, reads=READS))
def daily_bulletin_map(
    principal: PrincipalDep, session: SessionDep, state: StateDep, day: Day = None
) -> Response:
    """The bulletin's map (township shading by confirmed points, points by status), PNG."""
    data = _bulletin(state, session, principal, day)
    return Response(exports.render_map(data), media_type="image/png")
