"""The review side: incident merges/splits (the map layers and the ranking: ``routes/maps.py``;
exports and the bulletin: ``routes/exports.py``; heat-source proposals and the heat mask:
``routes/masks.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from firegrid.api import map_params
from firegrid.api.access import At, access
from firegrid.api.deps import PrincipalDep, ReviewerDep, SessionDep, StateDep
from firegrid.auth.roles import Permission
from firegrid.errors import NotFoundError
from firegrid.services import queries
from firegrid.services.incident_changes import split_incident, undo_change
from firegrid.services.tasks import create_task
from firegrid.store.tables import (
    IncidentChange,
    IncidentRow,
)

router = APIRouter(tags=["review"])
READS = ("incidents", "tasks")


class SplitIn(BaseModel):
    """Detections to move into a new incident (with its own task)."""

    detection_ids: list[int] = Field(min_length=1)
    reason: str = Field("split by a reviewer", max_length=300)


@router.get("/incidents/{incident_id}/changes", **access(At.SUBTREE, reads=("incidents",)))
def incident_changes(incident_id: int, principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """Merges and splits that touched the incident (automatic fusion and reviewers), undoable."""
    queries.get_incident(session, principal, incident_id)
    rows = session.scalars(
        select(IncidentChange)
        .where((IncidentChange.incident_id == incident_id) | (IncidentChange.other_id == incident_id))
        .order_by(IncidentChange.id)
    )
    return [
        {
            "id": c.id,
            "kind": c.kind,
            "incident_id": c.incident_id,
            "other_id": c.other_id,
            "detection_ids": c.detection_ids,
            "actor": c.actor,
            "reason": c.reason,
            "at": c.at,
            "undone_at": c.undone_at,
        }
        for c in rows
    ]


@router.post("/incidents/{incident_id}/split", **access(At.SUBTREE, Permission.REVIEW_TASKS, writes=READS))
def split(
    incident_id: int, body: SplitIn, principal: ReviewerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Move detections of a wrongly fused incident into a new incident and task."""
    queries.get_incident(session, principal, incident_id)
    change = split_incident(session, incident_id, body.detection_ids, principal.name, body.reason)
    other = session.get_one(IncidentRow, change.other_id)
    grid = map_params.active_grid(state, session)
    task = create_task(
        session, other, grid.tree, state.runtime.settings.pipeline, tuple(state.runtime.channels)
    )
    session.commit()
    return {"change_id": change.id, "incident_id": other.id, "task_id": task.id}


@router.post(
    "/incidents/changes/{change_id}/undo", **access(At.SUBTREE, Permission.REVIEW_TASKS, writes=READS)
)
def undo(change_id: int, principal: ReviewerDep, session: SessionDep) -> dict[str, Any]:
    """Put a merge or a split back."""
    change = session.get(IncidentChange, change_id)
    if change is None:
        raise NotFoundError(f"no incident change {change_id}")
    queries.get_incident(session, principal, change.incident_id)
    undo_change(session, change_id, principal.name)
    session.commit()
    return {"id": change.id, "kind": change.kind, "undone_at": change.undone_at}
