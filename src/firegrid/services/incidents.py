"""Incidents: attach newly stored detections (fusing sources), their best location and combined
confidence, and merges / splits that can be undone."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid import geo
from firegrid.config import ClusterConfig
from firegrid.incidents.clustering import ClusterPoints, assign
from firegrid.services.incident_changes import merge_incidents, separate_fires
from firegrid.services.incident_state import opened_by, refresh, revise
from firegrid.store.tables import (
    DetectionRow,
    IncidentChange,
    IncidentRow,
    utcnow,
)
from firegrid.types import Hazard, SourceKind

logger = logging.getLogger(__name__)

HAZARD_GROUPS = {hazard.value: code for code, hazard in enumerate(Hazard)}
KIND_CODES = {kind.value: code for code, kind in enumerate(SourceKind)}


def _footprints(rows: Sequence[DetectionRow]) -> list[shapely.Geometry]:
    return [
        shapely.from_wkb(r.footprint_wkb) if r.footprint_wkb else shapely.Point(r.lon, r.lat) for r in rows
    ]


def _points(rows: Sequence[DetectionRow], config: ClusterConfig) -> ClusterPoints:
    rules = [config.rule(r.source_kind, r.hazard) for r in rows]
    return ClusterPoints(
        lon=np.array([r.lon for r in rows], dtype=np.float64),
        lat=np.array([r.lat for r in rows], dtype=np.float64),
        t=np.array([r.observed_at.timestamp() for r in rows], dtype=np.float64),
        radius_m=np.array(
            [rule.radius_for(r.footprint_m or float("nan")) for r, rule in zip(rows, rules, strict=True)]
        ),
        window_s=np.array([rule.window_h * 3600.0 for rule in rules], dtype=np.float64),
        group=np.array([HAZARD_GROUPS.get(r.hazard, -1) for r in rows], dtype=np.int64),
        kind=np.array([KIND_CODES.get(r.source_kind, 0) for r in rows], dtype=np.int64),
        footprints=_footprints(rows),
    )


def _open_members(session: Session, new: ClusterPoints, config: ClusterConfig) -> list[DetectionRow]:
    """Members of open incidents that could link to any of the new points."""
    windows = np.asarray(config.pair_windows_s())
    reach_s = float(max(new.window_s.max(), windows.max()))
    bounds = shapely.bounds(np.asarray(new.footprints or [], dtype=object))
    span = max(float(new.radius_m.max()) * 2, 20_000.0)  # camera cones reach far
    reach_deg = float(geo.degrees_for_metres(span, new.lat).max())
    t0 = datetime.fromtimestamp(float(new.t.min()) - reach_s, tz=UTC)
    t1 = datetime.fromtimestamp(float(new.t.max()) + reach_s, tz=UTC)
    x0, y0 = float(np.nanmin(bounds[:, 0])) - reach_deg, float(np.nanmin(bounds[:, 1])) - reach_deg
    x1, y1 = float(np.nanmax(bounds[:, 2])) + reach_deg, float(np.nanmax(bounds[:, 3])) + reach_deg
    return list(
        session.scalars(
            select(DetectionRow)
            .join(IncidentRow, IncidentRow.id == DetectionRow.incident_id)
            .where(
                IncidentRow.status == "open",
                DetectionRow.observed_at.between(t0, t1),
                DetectionRow.lon.between(x0, x1),
                DetectionRow.lat.between(y0, y1),
            )
        )
    )


@dataclass
class Attached:
    """What attaching did: incidents created, and open ones that got new evidence (with how far
    their location moved and which source kinds are new)."""

    created: list[IncidentRow] = field(default_factory=list)
    updated: list[tuple[IncidentRow, float, list[str]]] = field(default_factory=list)
    merged: list[IncidentChange] = field(default_factory=list)
    split: list[IncidentRow] = field(default_factory=list)  # new incidents cut from one (need tasks)


def attach(session: Session, rows: Sequence[DetectionRow], config: ClusterConfig) -> Attached:
    """Cluster routed detections into incidents (fusing footprints across sources)."""
    out = Attached()
    if not rows:
        return out
    new = _points(rows, config)
    members = _open_members(session, new, config)
    existing = _points(members, config) if members else _no_points()
    result = assign(
        new,
        existing,
        np.array([m.incident_id for m in members], dtype=np.int64),
        np.asarray(config.pair_windows_s()),
    )
    before = {
        i.id: (i.lon, i.lat, set(i.source_kinds.split(","))) for i in _incidents(session, result.incident)
    }
    for keep, others in result.merges:
        for other in others:
            out.merged.append(
                merge_incidents(session, keep, other, "firegrid", "one fire seen by linked detections")
            )
    created: dict[int, IncidentRow] = {}
    members_of: dict[int, list[DetectionRow]] = {}  # the rows of each new incident (all in this batch)
    touched: set[int] = set()
    for row, incident_id, group in zip(rows, result.incident.tolist(), result.group.tolist(), strict=True):
        if incident_id >= 0:
            row.incident_id = incident_id
            touched.add(incident_id)
            continue
        if group not in created:
            created[group] = opened_by(row)
        members_of.setdefault(group, []).append(row)
    session.add_all(created.values())
    session.flush()  # one batched INSERT for every new incident
    for group, incident in created.items():
        for row in members_of[group]:
            row.incident_id = incident.id
        refresh(session, incident, members_of[group])
        revise(session, incident, "Alert", "first detection", first=True)
    session.flush()
    for incident_id in sorted(touched):
        incident = session.get_one(IncidentRow, incident_id)
        refresh(session, incident)
        lon, lat, kinds = before.get(incident_id, (incident.lon, incident.lat, set()))
        moved = float(geo.distance_m(lon, lat, incident.lon, incident.lat))
        added = sorted(set(incident.source_kinds.split(",")) - kinds)
        revise(session, incident, "Update", "new evidence" + (f" from {', '.join(added)}" if added else ""))
        out.updated.append((incident, moved, added))
    out.created = list(created.values())
    for incident in [*out.created, *(u[0] for u in out.updated)]:
        out.split += separate_fires(session, incident, config.split_m)
    return out


def _incidents(session: Session, ids: np.ndarray) -> list[IncidentRow]:
    wanted = sorted({int(i) for i in ids.tolist() if i >= 0})
    return list(session.scalars(select(IncidentRow).where(IncidentRow.id.in_(wanted)))) if wanted else []


def _no_points() -> ClusterPoints:
    empty = np.empty(0)
    return ClusterPoints(empty, empty, empty, empty, empty, np.empty(0, np.int64), np.empty(0, np.int64), [])


INSPECTOR_ACCURACY_M = 30.0
INSPECTOR_FIX_MAX_M = 5_000.0  # a fire is seen from a few km away at most


def add_inspector_fix(
    session: Session,
    incident: IncidentRow,
    lon: float,
    lat: float,
    username: str,
    accuracy_m: float | None = None,
) -> DetectionRow | None:
    """The inspector's position at the verdict, as a detection (it ranks first for the location).

    A fix more than :data:`INSPECTOR_FIX_MAX_M` from the incident is not where the fire is (a phone
    without a fix sends 0, 0; a test request sends anything): the incident keeps its location, the
    position stays in the task's audit, and ``None`` is returned."""
    away = float(geo.distance_m(lon, lat, incident.lon, incident.lat))
    if away > INSPECTOR_FIX_MAX_M:
        logger.warning(
            "incident %s: %s confirmed %.0f m away; the fix does not move the incident",
            incident.id,
            username,
            away,
        )
        return None
    now = utcnow()
    radius = accuracy_m or INSPECTOR_ACCURACY_M
    key = hashlib.sha256(f"inspector|{incident.id}|{username}|{now.isoformat()}".encode()).hexdigest()[:40]
    row = DetectionRow(
        dedup_key=key,
        hazard=incident.hazard,
        source_kind=SourceKind.MANUAL.value,
        sensor="inspector",
        platform=username,
        product=f"incident {incident.id}",
        observed_at=now,
        lon=lon,
        lat=lat,
        footprint_m=2 * radius,
        confidence=1.0,
        daynight="",
        attrs={"verdict": "confirmed"},
        source_file="inspector app",
        source_row=0,
        detector="inspector",
        detector_version="1",
        status="routed",
        cell_code=incident.cell_code,
        cell_path=incident.cell_path,
        route_method="inspector",
        incident_id=incident.id,
        site_id=incident.site_id,
        footprint_wkb=shapely.to_wkb(geo.circle(lon, lat, radius, 24)),
    )
    session.add(row)
    session.flush()
    refresh(session, incident)
    return row
