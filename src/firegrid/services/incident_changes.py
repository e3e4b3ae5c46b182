"""Merges and splits of incidents: automatic (fusion, separate fires) and by reviewers, each
recorded with what moved so that it can be undone (tasks follow, audited)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid import geo, i18n
from firegrid.errors import ConflictError, InputError, NotFoundError
from firegrid.services.incident_state import location_rank, opened_by, refresh, revise
from firegrid.services.tasks import transition
from firegrid.store.tables import DetectionRow, IncidentChange, IncidentRow, TaskRow, utcnow
from firegrid.workflow import TaskAction, TaskStatus

PRECISE_RANK = 2  # inspector GPS, drone, triangulated camera


def separate_fires(session: Session, incident: IncidentRow, split_m: float) -> list[IncidentRow]:
    """Precise fixes farther apart than ``split_m`` are different fires that ambiguous evidence
    (one camera's bearing cone, a coarse pixel) had joined: cut them into their own incidents,
    each taking the imprecise detections whose footprints reach only it (audited, undoable)."""
    rows = list(session.scalars(select(DetectionRow).where(DetectionRow.incident_id == incident.id)))
    precise = [r for r in rows if location_rank(r) <= PRECISE_RANK]
    if len(precise) < 2:
        return []
    groups_of = _group_by_distance(precise, split_m)
    if len(groups_of) < 2:
        return []
    groups_of.sort(key=lambda g: min(r.observed_at for r in g))
    shapes = {
        r.id: shapely.from_wkb(r.footprint_wkb) if r.footprint_wkb else shapely.Point(r.lon, r.lat)
        for r in rows
    }
    areas = [shapely.union_all([shapes[r.id] for r in g]) for g in groups_of]
    created = []
    for index, group in enumerate(groups_of[1:], start=1):
        others = [a for k, a in enumerate(areas) if k != index]
        ids = {r.id for r in group}
        for row in rows:
            if row.id in ids or location_rank(row) <= PRECISE_RANK:
                continue
            if shapes[row.id].intersects(areas[index]) and not any(
                shapes[row.id].intersects(a) for a in others
            ):
                ids.add(row.id)
        change = split_incident(
            session, incident.id, sorted(ids), "firegrid", f"precise fixes more than {split_m:.0f} m apart"
        )
        created.append(session.get_one(IncidentRow, change.other_id))
    return created


def _group_by_distance(rows: Sequence[DetectionRow], limit_m: float) -> list[list[DetectionRow]]:
    """Single-linkage groups of rows closer than ``limit_m``."""
    groups_of: list[list[DetectionRow]] = []
    for row in sorted(rows, key=lambda r: r.id):
        near = [
            g
            for g in groups_of
            if any(float(geo.distance_m(row.lon, row.lat, o.lon, o.lat)) <= limit_m for o in g)
        ]
        merged = [row] + [r for g in near for r in g]
        groups_of = [g for g in groups_of if g not in near] + [merged]
    return groups_of


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
        merged = i18n.text("text.merged_into", gone=gone.id, keep=keep.id)
        _task_event(session, gone_task, "closed", actor, TaskAction.MERGE, merged)
        gone_task.merged_into_id = keep_task.id if keep_task else None
    if keep_task is not None:
        merged_in = i18n.text("text.merged_in", gone=gone.id)
        _task_event(session, keep_task, keep_task.status, actor, TaskAction.MERGED_IN, merged_in)
    session.flush()
    return change


def split_incident(
    session: Session, incident_id: int, detection_ids: Sequence[int], actor: str, reason: str
) -> IncidentChange:
    """Move some detections of an incident into a new incident (the caller creates its task)."""
    original = session.get_one(IncidentRow, incident_id)
    rows = list(session.scalars(select(DetectionRow).where(DetectionRow.incident_id == original.id)))
    chosen = [r for r in rows if r.id in set(detection_ids)]
    if not chosen or len(chosen) == len(rows) or len(chosen) != len(set(detection_ids)):
        raise InputError("split needs some (not all) of the incident's own detection ids")
    first = min(chosen, key=lambda r: r.observed_at)
    other = opened_by(first)
    other.hazard, other.site_id = original.hazard, original.site_id  # the fire split off stays what it was
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
            _task_event(session, task, change.other_task_status, actor, TaskAction.UNMERGE, f"#{change.id}")
            task.merged_into_id = None
    else:
        other.status, other.merged_into_id = "merged", original.id
        task = session.scalar(select(TaskRow).where(TaskRow.incident_id == other.id))
        if task is not None:
            _task_event(session, task, "closed", actor, TaskAction.UNSPLIT, f"#{change.id}")
    for incident in (original, other):
        refresh(session, incident)
    revise(session, original, "Update", f"{change.kind} {change.id} undone")
    revise(
        session, other, "Update" if change.kind == "merge" else "Cancel", f"{change.kind} {change.id} undone"
    )
    change.undone_at = now or utcnow()
    return change


def _task_event(session: Session, task: TaskRow, status: str, actor: str, action: str, reason: str) -> None:
    """A task change made by an incident merge/split (outside the inspector's steps), audited and
    compare-and-set like every other transition."""
    transition(session, task, TaskStatus(status), actor, action, reason, checked=False, stamp=False)
