"""Incidents: attach newly stored detections (fusing sources), their best location and combined
confidence, and merges / splits that can be undone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid import geo
from firegrid.config import ClusterConfig
from firegrid.incidents.clustering import ClusterPoints, assign
from firegrid.store.tables import (
    DetectionRow,
    IncidentChange,
    IncidentRevision,
    IncidentRow,
    TaskEvent,
    TaskRow,
    utcnow,
)
from firegrid.types import Hazard, SourceKind

HAZARD_GROUPS = {hazard.value: code for code, hazard in enumerate(Hazard)}
KIND_CODES = {kind.value: code for code, kind in enumerate(SourceKind)}


def location_rank(row: DetectionRow) -> int:
    """Where the best location comes from: inspector GPS > drone > camera triangulation >
    single camera bearing on the ground > Landsat/Sentinel-2 pixel > VIIRS > MODIS (and others)."""
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
    touched: set[int] = set()
    for row, incident_id, group in zip(rows, result.incident.tolist(), result.group.tolist(), strict=True):
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
    for incident_id in sorted(touched):
        incident = session.get_one(IncidentRow, incident_id)
        refresh(session, incident)
        lon, lat, kinds = before.get(incident_id, (incident.lon, incident.lat, set()))
        moved = float(geo.distance_m(lon, lat, incident.lon, incident.lat))
        added = sorted(set(incident.source_kinds.split(",")) - kinds)
        revise(session, incident, "Update", "new evidence" + (f" from {', '.join(added)}" if added else ""))
        out.updated.append((incident, moved, added))
    out.created = list(created.values())
    return out


def _incidents(session: Session, ids: np.ndarray) -> list[IncidentRow]:
    wanted = sorted({int(i) for i in ids.tolist() if i >= 0})
    return list(session.scalars(select(IncidentRow).where(IncidentRow.id.in_(wanted)))) if wanted else []


def _no_points() -> ClusterPoints:
    empty = np.empty(0)
    return ClusterPoints(empty, empty, empty, empty, empty, np.empty(0, np.int64), np.empty(0, np.int64), [])


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
    """Recompute an incident's extent, counts, combined confidence and best location."""
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


def merge_incidents(session: Session, keep_id: int, gone_id: int, actor: str, reason: str) -> IncidentChange:
    """Move every detection of ``gone_id`` into ``keep_id``; the merged incident's task is closed
    (audited) and the change recorded, so ``undo_change`` can put everything back."""
    keep, gone = session.get_one(IncidentRow, keep_id), session.get_one(IncidentRow, gone_id)
    moved = list(session.scalars(select(DetectionRow).where(DetectionRow.incident_id == gone.id)))
    for detection in moved:
        detection.incident_id = keep.id
    session.flush()
    keep_task = session.scalar(select(TaskRow).where(TaskRow.incident_id == keep.id))
    gone_task = session.scalar(select(TaskRow).where(TaskRow.incident_id == gone.id))
    change = IncidentChange(
        kind="merge",
        incident_id=keep.id,
        other_id=gone.id,
        detection_ids=[d.id for d in moved],
        other_task_status=gone_task.status if gone_task else None,
        actor=actor,
        reason=reason[:300],
    )
    session.add(change)
    gone.status, gone.merged_into_id = "merged", keep.id
    refresh(session, keep)
    revise(session, gone, "Cancel", f"merged into incident {keep.id}")
    revise(session, keep, "Update", f"incident {gone.id} merged in")
    if gone_task is not None:
        _task_event(session, gone_task, "closed", actor, "merge", f"incident {gone.id} merged into {keep.id}")
        gone_task.merged_into_id = keep_task.id if keep_task else None
    if keep_task is not None:
        _task_event(session, keep_task, keep_task.status, actor, "merged_in", f"incident {gone.id} merged in")
    session.flush()
    return change


def split_incident(
    session: Session, incident_id: int, detection_ids: Sequence[int], actor: str, reason: str
) -> IncidentChange:
    """Move some detections of an incident into a new incident (the caller creates its task)."""
    from firegrid.errors import InputError

    original = session.get_one(IncidentRow, incident_id)
    rows = list(session.scalars(select(DetectionRow).where(DetectionRow.incident_id == original.id)))
    chosen = [r for r in rows if r.id in set(detection_ids)]
    if not chosen or len(chosen) == len(rows) or len(chosen) != len(set(detection_ids)):
        raise InputError("split needs some (not all) of the incident's own detection ids")
    first = min(chosen, key=lambda r: r.observed_at)
    other = IncidentRow(
        status="open",
        hazard=original.hazard,
        site_id=original.site_id,
        source_kinds=first.source_kind,
        lon=first.lon,
        lat=first.lat,
        first_seen=first.observed_at,
        last_seen=first.observed_at,
    )
    session.add(other)
    session.flush()
    for detection in chosen:
        detection.incident_id = other.id
    session.flush()
    change = IncidentChange(
        kind="split",
        incident_id=original.id,
        other_id=other.id,
        detection_ids=[d.id for d in chosen],
        actor=actor,
        reason=reason[:300],
    )
    session.add(change)
    refresh(session, original)
    refresh(session, other)
    revise(session, original, "Update", f"detections split into incident {other.id}")
    revise(session, other, "Alert", f"split from incident {original.id}")
    session.flush()
    return change


def undo_change(session: Session, change_id: int, actor: str, now: datetime | None = None) -> IncidentChange:
    """Put a merge or a split back; the tasks follow (audited)."""
    from firegrid.errors import ConflictError, NotFoundError

    change = session.get(IncidentChange, change_id)
    if change is None:
        raise NotFoundError(f"no incident change {change_id}")
    if change.undone_at is not None:
        raise ConflictError(f"change {change_id} was already undone")
    original, other = (
        session.get_one(IncidentRow, change.incident_id),
        session.get_one(IncidentRow, change.other_id),
    )
    target = other if change.kind == "merge" else original
    for detection in session.scalars(select(DetectionRow).where(DetectionRow.id.in_(change.detection_ids))):
        detection.incident_id = target.id
    session.flush()
    if change.kind == "merge":
        other.status, other.merged_into_id = "open", None
        task = session.scalar(select(TaskRow).where(TaskRow.incident_id == other.id))
        if task is not None and change.other_task_status:
            _task_event(
                session, task, change.other_task_status, actor, "unmerge", f"merge {change.id} undone"
            )
            task.merged_into_id = None
    else:
        other.status, other.merged_into_id = "merged", original.id
        task = session.scalar(select(TaskRow).where(TaskRow.incident_id == other.id))
        if task is not None:
            _task_event(session, task, "closed", actor, "unsplit", f"split {change.id} undone")
    for incident in (original, other):
        refresh(session, incident)
    revise(session, original, "Update", f"{change.kind} {change.id} undone")
    revise(
        session, other, "Update" if change.kind == "merge" else "Cancel", f"{change.kind} {change.id} undone"
    )
    change.undone_at = now or utcnow()
    return change


def _task_event(session: Session, task: TaskRow, status: str, actor: str, action: str, reason: str) -> None:
    """Audit a task change made by an incident merge/split (outside the inspector's steps)."""
    session.add(
        TaskEvent(
            task_id=task.id,
            actor=actor,
            action=action,
            from_status=task.status,
            to_status=status,
            reason=reason,
        )
    )
    task.status, task.updated_at = status, utcnow()
