"""Per-preset masks that learn: a reviewed rejection (查否) of a camera alarm adds the alarm's box to that
preset's no-alert masks, so the same chimney, steam vent, dust road or cloud bank does not page again.

The inspector's rejection alone is not enough: the box is learned when the township reviews and closes
the rejected task (销号). Only reasons that say "nothing to find there" teach a mask (no fire found, an
industrial heat source, other); an administrative rejection or "already extinguished" (there was a fire)
does not. Masks are kept per camera and preset as image fractions, so they survive a change of
resolution; a mask can be switched off (``set_active``) if it hides something it should not.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.cameras.config import Point
from firegrid.errors import NotFoundError
from firegrid.services.camera_events import DUST_CLASSES
from firegrid.store.tables import CameraEvent, CameraMask, DetectionRow, TaskRow
from firegrid.types import SourceKind
from firegrid.workflow import RejectReason, TaskStatus

log = logging.getLogger(__name__)

TEACHING_REASONS = frozenset(
    {RejectReason.NO_FIRE_FOUND, RejectReason.INDUSTRIAL_HEAT_SOURCE, RejectReason.OTHER}
)
MARGIN = 0.1  # the learned box grows by this share of its size on each side (the look-alike wanders)


def learned_masks(session: Session, camera_id: str, preset: str) -> list[list[Point]]:
    """The active learned boxes of a preset as polygons (image fractions), margin included."""
    rows = session.scalars(
        select(CameraMask).where(
            CameraMask.camera_id == camera_id, CameraMask.preset == preset, CameraMask.active
        )
    )
    out = []
    for row in rows:
        x1, y1, x2, y2 = row.box
        mx, my = (x2 - x1) * MARGIN, (y2 - y1) * MARGIN
        a, b = max(0.0, x1 - mx), max(0.0, y1 - my)
        c, d = min(1.0, x2 + mx), min(1.0, y2 + my)
        out.append([(a, b), (c, b), (c, d), (a, d)])
    return out


def learn_from_rejection(session: Session, task: TaskRow, reviewer: str) -> list[CameraMask]:
    """Masks for the camera alarms behind a reviewed, rejected task (none for other verdicts)."""
    if task.verdict != TaskStatus.REJECTED.value or task.reason_code not in TEACHING_REASONS:
        return []
    event_ids = session.scalars(
        select(DetectionRow.source_row).where(
            DetectionRow.incident_id == task.incident_id,
            DetectionRow.source_kind == SourceKind.CAMERA.value,
        )
    ).all()
    masks = []
    for event in session.scalars(select(CameraEvent).where(CameraEvent.id.in_(event_ids))):
        if event.class_name in DUST_CLASSES or _known(session, event.id):
            continue
        x1, y1, x2, y2 = event.box
        w, h = event.image_width, event.image_height
        mask = CameraMask(
            camera_id=event.camera_id,
            preset=event.preset,
            box=[round(x1 / w, 5), round(y1 / h, 5), round(x2 / w, 5), round(y2 / h, 5)],
            event_id=event.id,
            task_id=task.id,
            reason=f"{task.reason_code}: {task.reason_text or ''}".strip(": ")[:200],
            created_by=reviewer,
            active=True,
        )
        session.add(mask)
        masks.append(mask)
        log.info(
            "camera %s %s: alarm %d rejected; its box is now masked", event.camera_id, event.preset, event.id
        )
    session.flush()
    return masks


def _known(session: Session, event_id: int) -> bool:
    return session.scalar(select(CameraMask.id).where(CameraMask.event_id == event_id)) is not None


def list_masks(session: Session, camera_id: str) -> list[dict[str, Any]]:
    """Every learned mask of a camera (active or not)."""
    rows = session.scalars(
        select(CameraMask).where(CameraMask.camera_id == camera_id).order_by(CameraMask.id)
    )
    return [
        {
            "id": r.id,
            "preset": r.preset,
            "box": r.box,
            "event_id": r.event_id,
            "task_id": r.task_id,
            "reason": r.reason,
            "created_by": r.created_by,
            "created_at": r.created_at,
            "active": r.active,
        }
        for r in rows
    ]


def set_active(session: Session, mask_id: int, active: bool) -> CameraMask:
    """Switch a learned mask on or off."""
    row = session.get(CameraMask, mask_id)
    if row is None:
        raise NotFoundError(f"no camera mask {mask_id}")
    row.active = active
    return row
