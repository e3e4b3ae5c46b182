"""The registry audit trail: who created, changed or deactivated which entry of the caller's
subtree (heat sources, masks, proposals, sites, cameras, robots, sources), and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.deps import ReviewerDep, SessionDep
from firegrid.auth.roles import Permission
from firegrid.services.ownership import owned_by
from firegrid.store.tables import RegistryEvent

router = APIRouter(tags=["audit"])


@router.get("/audit/registry", **access(At.SUBTREE, Permission.REVIEW_TASKS, reads=("registry_events",)))
def registry_events(
    principal: ReviewerDep,
    session: SessionDep,
    kind: str | None = None,
    object_id: str | None = None,
    limit: int = Query(200, ge=1, le=5000),
) -> list[dict[str, Any]]:
    """Changes of registry entries owned in the caller's subtree, newest first."""
    query = select(RegistryEvent).where(owned_by(RegistryEvent.owner_path, principal))
    if kind:
        query = query.where(RegistryEvent.kind == kind)
    if object_id:
        query = query.where(RegistryEvent.object_id == object_id)
    rows = session.scalars(query.order_by(RegistryEvent.id.desc()).limit(limit))
    return [_out(r) for r in rows]


def _out(row: RegistryEvent) -> dict[str, Any]:
    at: datetime = row.at
    return {
        "id": row.id,
        "at": at,
        "actor": row.actor,
        "kind": row.kind,
        "object_id": row.object_id,
        "action": row.action,
        "owner": row.owner_path.rsplit("/", 1)[-1],
        "detail": row.detail,
    }
