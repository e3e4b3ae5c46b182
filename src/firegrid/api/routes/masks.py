"""What silences alarms, within the caller's subtree: inspectors' heat-source proposals and the
persistent-heat mask candidates, accepted or declined by operators (audited)."""

from __future__ import annotations

from typing import Any

import shapely
from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.deps import HeatManagerDep, SessionDep, StateDep, writer_for
from firegrid.auth.roles import Permission
from firegrid.services import heat_mask
from firegrid.services.heat_sources import decide_proposal
from firegrid.services.ownership import owned_by
from firegrid.store.tables import HeatMaskCandidate, HeatSourceProposal, utcnow

router = APIRouter(tags=["heat sources"])
DECIDE = access(At.SUBTREE, Permission.MANAGE_HEAT_SOURCES, writes=("heat_sources",))


class Decision(BaseModel):
    """An operator's decision on a proposal."""

    accept: bool
    radius_m: float = Field(500.0, gt=0, le=5000)


@router.get(
    "/heat-sources/proposals", **access(At.SUBTREE, Permission.MANAGE_HEAT_SOURCES, reads=("heat_sources",))
)
def proposals(
    principal: HeatManagerDep, session: SessionDep, status: str = "proposed"
) -> list[dict[str, Any]]:
    """Inspectors' "industrial heat source" rejections in the caller's subtree waiting for a decision."""
    rows = session.scalars(
        select(HeatSourceProposal)
        .where(HeatSourceProposal.status == status, owned_by(HeatSourceProposal.owner_path, principal))
        .order_by(HeatSourceProposal.id)
    )
    return [
        {
            "id": p.id,
            "task_id": p.task_id,
            "incident_id": p.incident_id,
            "lon": p.lon,
            "lat": p.lat,
            "proposed_by": p.proposed_by,
            "reason": p.reason,
            "status": p.status,
            "heat_source_id": p.heat_source_id,
            "created_at": p.created_at,
        }
        for p in rows
    ]


@router.post("/heat-sources/proposals/{proposal_id}", **DECIDE)
def decide(
    proposal_id: int, body: Decision, principal: HeatManagerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Accept (adds a registry entry, which must lie in the caller's area; later detections there are
    suppressed) or decline."""
    writer = writer_for(state, session, principal)
    limit = state.runtime.settings.pipeline.heat_source_max_radius_m
    proposal = decide_proposal(session, proposal_id, body.accept, writer, body.radius_m, utcnow(), limit)
    session.commit()
    return {"id": proposal.id, "status": proposal.status, "heat_source_id": proposal.heat_source_id}


class MaskDecision(BaseModel):
    """Accept or reject a heat-mask candidate."""

    accept: bool


@router.get(
    "/heat-mask/candidates", **access(At.SUBTREE, Permission.MANAGE_HEAT_SOURCES, reads=("heat_sources",))
)
def mask_candidates(
    principal: HeatManagerDep, session: SessionDep, status: str = "proposed"
) -> dict[str, Any]:
    """Persistent-heat candidates of the caller's subtree (GeoJSON) with their evidence, strongest first."""
    rows = session.scalars(
        select(HeatMaskCandidate)
        .where(HeatMaskCandidate.status == status, owned_by(HeatMaskCandidate.owner_path, principal))
        .order_by(HeatMaskCandidate.score.desc())
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r.id,
                "geometry": shapely.geometry.mapping(shapely.from_wkb(r.geom_wkb)),
                "properties": {
                    "key": r.key,
                    "status": r.status,
                    "lon": r.lon,
                    "lat": r.lat,
                    "detections": r.detections,
                    "days": r.days,
                    "night_overpasses": r.night_overpasses,
                    "outside_harvest_days": r.outside_harvest_days,
                    "proposals": r.proposals,
                    "score": r.score,
                    "reasons": r.reasons,
                    "first_seen": r.first_seen.isoformat(),
                    "last_seen": r.last_seen.isoformat(),
                    "heat_source_id": r.heat_source_id,
                },
            }
            for r in rows
        ],
    }


@router.post("/heat-mask/candidates/{candidate_id}", **DECIDE)
def decide_mask(
    candidate_id: int, body: MaskDecision, principal: HeatManagerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Accept (masked from now on; the mask must lie in the caller's area) or reject a candidate."""
    row = heat_mask.decide(
        session, candidate_id, body.accept, writer_for(state, session, principal), utcnow()
    )
    session.commit()
    return {"id": row.id, "status": row.status, "heat_source_id": row.heat_source_id}
