"""What the township review page and the bulletin show: hit points and what selects them.

Everything is computed from the raw rows (incidents, tasks, suppressed detections) in the
caller's subtree, so a bulletin number can always be traced back to points; the counts per cell
and the ranking are in ``cell_stats``, the hit map of one view in ``hitmap``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from firegrid.auth.roles import Principal
from firegrid.services.queries import scope_clause
from firegrid.store.tables import DetectionRow, IncidentRow, TaskRow
from firegrid.store.tables.base import UTCDateTime
from firegrid.types import DetectionStatus
from firegrid.workflow import OPEN, TaskStatus


@dataclass(frozen=True)
class Window:
    """A time window on incidents' first detection, what to include, and optionally where (WGS84
    min lon, min lat, max lon, max lat)."""

    since: datetime | None = None
    until: datetime | None = None
    hazard: str | None = None
    bbox: tuple[float, float, float, float] | None = None


def _window_clauses(window: Window, time: Any, hazard: Any, lon: Any, lat: Any) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if window.since is not None:
        clauses.append(time >= window.since)
    if window.until is not None:
        clauses.append(time < window.until)
    if window.hazard is not None:
        clauses.append(hazard == window.hazard)
    if window.bbox is not None:
        x0, y0, x1, y1 = window.bbox
        clauses += [lon.between(x0, x1), lat.between(y0, y1)]
    return clauses


def incident_clauses(principal: Principal, window: Window) -> list[ColumnElement[bool]]:
    """Visible, unmerged incidents of the window."""
    i = IncidentRow
    return [
        scope_clause(i.cell_path, principal),
        i.status != "merged",
        *_window_clauses(window, i.first_seen, i.hazard, i.lon, i.lat),
    ]


def tasks_pushed(session: Session, principal: Principal, window: Window) -> int:
    """Tasks pushed to inspectors in the window (created then, whenever their fire was first seen),
    of visible incidents; merged tasks count, they were pushed too."""
    i, t = IncidentRow, TaskRow
    clauses = [
        scope_clause(i.cell_path, principal),
        *_window_clauses(window, t.created_at, i.hazard, i.lon, i.lat),
    ]
    query = select(func.count(t.id)).join(i, t.incident_id == i.id).where(*clauses)
    return int(session.scalar(query) or 0)


def suppressed_clauses(principal: Principal, window: Window) -> list[ColumnElement[bool]]:
    """Visible suppressed detections of the window."""
    d = DetectionRow
    return [
        d.status == DetectionStatus.SUPPRESSED.value,
        scope_clause(d.cell_path, principal),
        *_window_clauses(window, d.observed_at, d.hazard, d.lon, d.lat),
    ]


_NEWEST = [
    select(func.max(IncidentRow.id)).scalar_subquery(),
    select(func.max(IncidentRow.updated_at)).scalar_subquery(),
    select(func.max(TaskRow.id)).scalar_subquery(),
    select(func.max(TaskRow.updated_at)).scalar_subquery(),
]
_VERSIONS = {  # built once: asked on every map request
    False: select(*_NEWEST),
    True: select(*_NEWEST, select(func.max(DetectionRow.id)).scalar_subquery()),
}


def data_version(session: Session, suppressed: bool = False) -> tuple[Any, ...]:
    """Newest ids and update times of incidents and tasks (and detections): the map layers'
    answers can only change when this does. Index lookups, not scans (migration 0009)."""
    return tuple(session.execute(_VERSIONS[suppressed]).one())


def map_status(task: TaskRow | None, now: datetime) -> str:
    """A point's colour: the task status, ``overdue`` for an open task past its verify deadline."""
    if task is None:
        return "no_task"
    if TaskStatus(task.status) in OPEN and task.verify_by < now:
        return "overdue"
    return task.status


def status_expression(now: datetime) -> ColumnElement[str]:
    """``map_status`` in SQL (incidents outer-joined to tasks)."""
    return case(
        (TaskRow.id.is_(None), "no_task"),
        (
            and_(
                TaskRow.status.in_([s.value for s in OPEN]), TaskRow.verify_by < literal(now, UTCDateTime())
            ),
            "overdue",
        ),
        else_=TaskRow.status,
    )


def _incidents(
    session: Session, principal: Principal, window: Window
) -> list[tuple[IncidentRow, TaskRow | None]]:
    query = (
        select(IncidentRow, TaskRow)
        .outerjoin(TaskRow, TaskRow.incident_id == IncidentRow.id)
        .where(*incident_clauses(principal, window))
    )
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
    query = select(DetectionRow).where(*suppressed_clauses(principal, window))
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


def status_counts(features: list[dict[str, Any]]) -> dict[str, int]:
    """How many points per status (for the page's legend and tests)."""
    return dict(Counter(f["properties"]["status"] for f in features))
