"""What the township review page and the bulletin show: hit points, cell counts, the ranking.

Everything is computed from the raw rows (incidents, tasks, suppressed detections) in the
caller's subtree, so a bulletin number can always be traced back to points.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.auth.roles import Principal
from firegrid.grid.cells import GridTree
from firegrid.services.queries import scope_clause
from firegrid.store.tables import DetectionRow, GridCellRow, IncidentRow, TaskRow
from firegrid.types import DetectionStatus
from firegrid.workflow import OPEN, TaskStatus

SIMPLIFY_DEG = 0.0005  # ~50 m: enough for a choropleth


@dataclass(frozen=True)
class Window:
    """A time window on incidents' first detection, and what to include."""

    since: datetime | None = None
    until: datetime | None = None
    hazard: str | None = None


def map_status(task: TaskRow | None, now: datetime) -> str:
    """A point's colour: the task status, ``overdue`` for an open task past its verify deadline."""
    if task is None:
        return "no_task"
    if TaskStatus(task.status) in OPEN and task.verify_by < now:
        return "overdue"
    return task.status


def _incidents(
    session: Session, principal: Principal, window: Window
) -> list[tuple[IncidentRow, TaskRow | None]]:
    query = (
        select(IncidentRow, TaskRow)
        .outerjoin(TaskRow, TaskRow.incident_id == IncidentRow.id)
        .where(scope_clause(IncidentRow.cell_path, principal), IncidentRow.status != "merged")
    )
    if window.since is not None:
        query = query.where(IncidentRow.first_seen >= window.since)
    if window.until is not None:
        query = query.where(IncidentRow.first_seen < window.until)
    if window.hazard is not None:
        query = query.where(IncidentRow.hazard == window.hazard)
    return [(i, t) for i, t in session.execute(query.order_by(IncidentRow.id)).all()]


def hits(
    session: Session, principal: Principal, window: Window, now: datetime, suppressed: bool = False
) -> dict[str, Any]:
    """Incidents (and optionally suppressed detections) as a GeoJSON FeatureCollection."""
    features = [
        {
            "type": "Feature",
            "id": incident.id,
            "geometry": {"type": "Point", "coordinates": [round(incident.lon, 6), round(incident.lat, 6)]},
            "properties": {
                "incident": incident.id,
                "task": task.id if task else None,
                "status": map_status(task, now),
                "hazard": incident.hazard,
                "cell": incident.cell_code,
                "first_seen": incident.first_seen.isoformat(),
                "sources": incident.source_kinds,
                "n": incident.n_detections,
            },
        }
        for incident, task in _incidents(session, principal, window)
    ]
    if suppressed:
        features += _suppressed(session, principal, window)
    return {"type": "FeatureCollection", "features": features}


def _suppressed(session: Session, principal: Principal, window: Window) -> list[dict[str, Any]]:
    query = select(DetectionRow).where(
        DetectionRow.status == DetectionStatus.SUPPRESSED.value,
        scope_clause(DetectionRow.cell_path, principal),
    )
    if window.since is not None:
        query = query.where(DetectionRow.observed_at >= window.since)
    if window.until is not None:
        query = query.where(DetectionRow.observed_at < window.until)
    if window.hazard is not None:
        query = query.where(DetectionRow.hazard == window.hazard)
    return [
        {
            "type": "Feature",
            "id": f"d{d.id}",
            "geometry": {"type": "Point", "coordinates": [round(d.lon, 6), round(d.lat, 6)]},
            "properties": {
                "detection": d.id,
                "status": "suppressed",
                "hazard": d.hazard,
                "reason": d.suppression_reason,
                "cell": d.cell_code,
                "first_seen": d.observed_at.isoformat(),
            },
        }
        for d in session.scalars(query.order_by(DetectionRow.id))
    ]


def _ancestor_at(tree: GridTree, code: str | None, level: str, memo: dict[str, str | None]) -> str | None:
    """The code of the cell's ancestor (or itself) at ``level`` (grids may lack a city level)."""
    if code is None or code not in tree:
        return None
    if code not in memo:
        memo[code] = next((c.code for c in tree.ancestors(code) if c.level == level), None)
    return memo[code]


@dataclass
class CellCounts:
    """Counts of one cell in the window."""

    pushed: int = 0
    confirmed: int = 0
    straw_burning: int = 0  # confirmed fires on cropland (or of unknown land use)
    rejected: int = 0
    overdue: int = 0
    verify_minutes: list[float] = field(default_factory=list)
    first_fire: datetime | None = None


def _counts(
    rows: list[tuple[IncidentRow, TaskRow | None]], tree: GridTree, level: str, now: datetime
) -> dict[str, CellCounts]:
    counts: dict[str, CellCounts] = defaultdict(CellCounts)
    memo: dict[str, str | None] = {}
    for incident, task in rows:
        code = _ancestor_at(tree, incident.cell_code, level, memo)
        if code is None or task is None:
            continue
        c = counts[code]
        c.pushed += 1
        if task.verdict == TaskStatus.CONFIRMED:
            c.confirmed += 1
            if incident.hazard == "fire" and incident.land_use in (None, "straw_burning"):
                c.straw_burning += 1
            if incident.hazard == "fire" and (c.first_fire is None or incident.first_seen < c.first_fire):
                c.first_fire = incident.first_seen
        elif task.verdict == TaskStatus.REJECTED:
            c.rejected += 1
        if task.verified_at is not None:
            c.verify_minutes.append((task.verified_at - task.created_at).total_seconds() / 60)
        if task.verify_by < (task.verified_at or now) and task.merged_into_id is None:
            c.overdue += 1
    return counts


def cells(
    session: Session,
    principal: Principal,
    tree: GridTree,
    version_id: int,
    level: str,
    window: Window,
    now: datetime,
) -> dict[str, Any]:
    """Cells of ``level`` in the caller's subtree with counts, as a GeoJSON FeatureCollection."""
    counts = _counts(_incidents(session, principal, window), tree, level, now)
    query = select(GridCellRow).where(
        GridCellRow.version_id == version_id,
        GridCellRow.level == level,
        scope_clause(GridCellRow.path, principal),
    )
    features = []
    for row in session.scalars(query.order_by(GridCellRow.code)):
        c = counts.get(row.code, CellCounts())
        area_km2 = row.area_m2 / 1e6
        geometry = shapely.simplify(shapely.from_wkb(row.geom_wkb), SIMPLIFY_DEG, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "id": row.code,
                "geometry": shapely.geometry.mapping(shapely.set_precision(geometry, 1e-5)),
                "properties": {
                    "code": row.code,
                    "name": row.name,
                    "parent": tree[row.parent_code].name
                    if row.parent_code and row.parent_code in tree
                    else None,
                    "pushed": c.pushed,
                    "confirmed": c.confirmed,
                    "per_100km2": round(c.confirmed / area_km2 * 100, 3) if area_km2 else None,
                    "area_km2": round(area_km2, 2),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def ranking(
    session: Session, principal: Principal, tree: GridTree, version_id: int, window: Window, now: datetime
) -> list[dict[str, Any]]:
    """Per township: pushed, confirmed, confirmed straw burning (the ranking key), 查实率, median time
    to verify, overdue, first fire; ranked."""
    counts = _counts(_incidents(session, principal, window), tree, "township", now)
    query = select(GridCellRow.code, GridCellRow.name, GridCellRow.parent_code).where(
        GridCellRow.version_id == version_id,
        GridCellRow.level == "township",
        scope_clause(GridCellRow.path, principal),
    )
    rows: list[dict[str, Any]] = []
    for code, name, parent in session.execute(query).all():
        c = counts.get(code, CellCounts())
        verified = c.confirmed + c.rejected
        rows.append(
            {
                "code": code,
                "name": name,
                "county": tree[parent].name if parent and parent in tree else None,
                "pushed": c.pushed,
                "confirmed": c.confirmed,
                "straw_burning": c.straw_burning,
                "rejected": c.rejected,
                "confirmation_rate": round(c.confirmed / verified, 4) if verified else None,
                "median_verify_min": round(statistics.median(c.verify_minutes), 1)
                if c.verify_minutes
                else None,
                "overdue": c.overdue,
                "first_fire": c.first_fire.isoformat() if c.first_fire else None,
            }
        )
    rows.sort(key=lambda r: (-r["straw_burning"], -r["confirmed"], -r["pushed"], -r["overdue"], r["code"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def status_counts(features: list[dict[str, Any]]) -> dict[str, int]:
    """How many points per status (for the page's legend and tests)."""
    return dict(Counter(f["properties"]["status"] for f in features))
