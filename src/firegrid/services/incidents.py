"""Attach newly stored detections to incidents (existing open ones, or new ones)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid import geo
from firegrid.config import ClusterConfig
from firegrid.incidents.clustering import ClusterPoints, assign_incidents
from firegrid.store.tables import DetectionRow, IncidentRevision, IncidentRow, utcnow
from firegrid.types import Hazard

HAZARD_GROUPS = {hazard.value: code for code, hazard in enumerate(Hazard)}


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
    )


def _no_points() -> ClusterPoints:
    empty = np.empty(0)
    return ClusterPoints(empty, empty, empty, empty, empty, np.empty(0, np.int64))


def _open_members(session: Session, new: ClusterPoints) -> list[DetectionRow]:
    """Members of open incidents that could link to any of the new points."""
    reach_s = float(new.window_s.max())
    reach_deg = float(geo.degrees_for_metres(float(new.radius_m.max()) * 2, new.lat).max())
    t0 = datetime.fromtimestamp(float(new.t.min()) - reach_s, tz=UTC)
    t1 = datetime.fromtimestamp(float(new.t.max()) + reach_s, tz=UTC)
    return list(
        session.scalars(
            select(DetectionRow)
            .join(IncidentRow, IncidentRow.id == DetectionRow.incident_id)
            .where(
                IncidentRow.status == "open",
                DetectionRow.observed_at.between(t0, t1),
                DetectionRow.lon.between(float(new.lon.min()) - reach_deg, float(new.lon.max()) + reach_deg),
                DetectionRow.lat.between(float(new.lat.min()) - reach_deg, float(new.lat.max()) + reach_deg),
            )
        )
    )


def attach(session: Session, rows: Sequence[DetectionRow], config: ClusterConfig) -> list[IncidentRow]:
    """Cluster routed detections into incidents; returns the incidents created."""
    if not rows:
        return []
    new = _points(rows, config)
    members = _open_members(session, new)
    existing = _points(members, config) if members else _no_points()
    incident_ids, groups = assign_incidents(
        new, existing, np.array([m.incident_id for m in members], dtype=np.int64)
    )
    created: dict[int, IncidentRow] = {}
    touched: set[int] = set()  # open incidents with new evidence
    for row, incident_id, group in zip(rows, incident_ids.tolist(), groups.tolist(), strict=True):
        if incident_id >= 0:
            row.incident_id = incident_id
            touched.add(incident_id)
            continue
        if group not in created:
            created[group] = IncidentRow(
                status="open",
                hazard=row.hazard,
                site_id=row.site_id,
                source_kinds=row.source_kind,
                lon=row.lon,
                lat=row.lat,
                first_seen=row.observed_at,
                last_seen=row.observed_at,
            )
            session.add(created[group])
            session.flush()
        row.incident_id = created[group].id
    session.flush()
    for incident in created.values():
        refresh(session, incident)
        revise(session, incident, "Alert", "first detection")
    for incident_id in touched - {i.id for i in created.values()}:
        incident = session.get_one(IncidentRow, incident_id)
        refresh(session, incident)
        revise(session, incident, "Update", "new evidence")
    return list(created.values())


def revise(session: Session, incident: IncidentRow, msg_type: str, reason: str) -> IncidentRevision:
    """Record a material change (one CAP message: Alert first, then Update or Cancel)."""
    last = session.scalar(
        select(func.max(IncidentRevision.revision)).where(IncidentRevision.incident_id == incident.id)
    )
    incident.revision = (last or 0) + 1
    revision = IncidentRevision(
        incident_id=incident.id,
        revision=incident.revision,
        msg_type=msg_type,
        reason=reason[:300],
        at=utcnow(),
    )
    session.add(revision)
    session.flush()
    return revision


def refresh(session: Session, incident: IncidentRow) -> None:
    """Recompute an incident's extent, counts and best location from its detections."""
    stats = session.execute(
        select(
            func.min(DetectionRow.observed_at),
            func.max(DetectionRow.observed_at),
            func.count(),
            func.max(DetectionRow.frp),
            func.max(DetectionRow.confidence),
        ).where(DetectionRow.incident_id == incident.id)
    ).one()
    (
        incident.first_seen,
        incident.last_seen,
        incident.n_detections,
        incident.max_frp,
        incident.max_confidence,
    ) = stats
    kinds = session.scalars(
        select(DetectionRow.source_kind).where(DetectionRow.incident_id == incident.id).distinct()
    )
    incident.source_kinds = ",".join(sorted(kinds))
    best = session.scalars(
        select(DetectionRow)
        .where(DetectionRow.incident_id == incident.id, DetectionRow.status == "routed")
        .order_by(
            DetectionRow.footprint_m.asc().nulls_last(),
            DetectionRow.confidence.desc().nulls_last(),
            DetectionRow.frp.desc().nulls_last(),
            DetectionRow.id,
        )
    ).first()
    if best is not None:
        incident.lon, incident.lat, incident.location_detection_id = best.lon, best.lat, best.id
        incident.cell_code, incident.cell_path = best.cell_code, best.cell_path
    incident.updated_at = utcnow()
