"""An incident's state from its detections: best location, combined confidence, land use; and its
revisions (one CAP message each)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.store.tables import DetectionRow, IncidentRevision, IncidentRow, utcnow
from firegrid.types import SourceKind


def location_rank(row: DetectionRow) -> int:
    """Where the best location comes from: inspector GPS > drone > camera triangulation >
    single camera bearing on the ground > Landsat/Sentinel-2 pixel > VIIRS > MODIS (and other points) >
    geostationary pixel (2-4 km, the first to see a fire and the last to place it)."""
    kind, sensor = row.source_kind, (row.sensor or "").upper()
    if kind == SourceKind.MANUAL:
        return 0
    if kind == SourceKind.DRONE:
        return 1
    if kind == SourceKind.CAMERA:
        return 2 if (row.attrs or {}).get("locate_method") == "triangulated" else 3
    if kind == SourceKind.SATELLITE_SCENE:
        return 4
    if kind == SourceKind.SATELLITE_PRODUCT:
        return 5 if "VIIRS" in sensor else 6
    if kind == SourceKind.SATELLITE_GEO:
        return 8
    return 7


def combined_confidence(rows: Sequence[DetectionRow]) -> float | None:
    """1 - prod(1 - c) over independent sources (the best confidence of each source kind)."""
    best: dict[str, float] = {}
    for row in rows:
        if row.confidence is not None and not math.isnan(row.confidence):
            best[row.source_kind] = max(best.get(row.source_kind, 0.0), min(1.0, row.confidence))
    if not best:
        return None
    miss = 1.0
    for value in best.values():
        miss *= 1.0 - value
    return round(1.0 - miss, 4)


def opened_by(row: DetectionRow) -> IncidentRow:
    """A new open incident whose first evidence is ``row``."""
    return IncidentRow(
        status="open",
        hazard=row.hazard,
        site_id=row.site_id,
        source_kinds=row.source_kind,
        lon=row.lon,
        lat=row.lat,
        first_seen=row.observed_at,
        last_seen=row.observed_at,
    )


def revise(
    session: Session, incident: IncidentRow, msg_type: str, reason: str, first: bool = False
) -> IncidentRevision:
    """Record a material change (one CAP message: Alert first, then Update or Cancel); ``first``: the
    incident was just created in this session, so it has no revision yet."""
    last = None
    if not first:  # the query autoflushes revisions added earlier in this session
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
    return revision


def refresh(session: Session, incident: IncidentRow, rows: Sequence[DetectionRow] | None = None) -> None:
    """Recompute an incident's extent, counts, combined confidence and best location (from ``rows``
    when the caller holds all of its detections, else from the table)."""
    if rows is None:
        rows = list(session.scalars(select(DetectionRow).where(DetectionRow.incident_id == incident.id)))
    if not rows:
        return
    times = [r.observed_at for r in rows]
    incident.first_seen, incident.last_seen, incident.n_detections = min(times), max(times), len(rows)
    frps = [r.frp for r in rows if r.frp is not None]
    confidences = [r.confidence for r in rows if r.confidence is not None]
    incident.max_frp = max(frps) if frps else None
    incident.max_confidence = max(confidences) if confidences else None
    incident.confidence = combined_confidence(rows)
    incident.source_kinds = ",".join(sorted({r.source_kind for r in rows}))
    routed = [r for r in rows if r.status == "routed"] or rows
    best = min(
        routed,
        key=lambda r: (
            location_rank(r),
            r.footprint_m if r.footprint_m is not None else math.inf,
            -(r.confidence or 0.0),
            -(r.frp or 0.0),
            r.id,
        ),
    )
    incident.lon, incident.lat, incident.location_detection_id = best.lon, best.lat, best.id
    if best.cell_code is not None:
        incident.cell_code, incident.cell_path = best.cell_code, best.cell_path
    uses = [r.land_use for r in rows if r.land_use]
    incident.land_use = max(set(uses), key=uses.count) if uses else None
    incident.updated_at = utcnow()
