"""The heat-source registry in the database: import (upsert) and the suppression index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.errors import ConflictError, NotFoundError, RowError
from firegrid.store.tables import HeatSourceProposal, HeatSourceRow
from firegrid.suppress.heat_sources import HeatSource, from_point, read_heat_sources
from firegrid.suppress.matching import SuppressionIndex

PROPOSALS_REGISTRY = "inspector-proposals"


@dataclass(frozen=True)
class HeatSourceImport:
    """What an import did."""

    new: int
    updated: int
    errors: list[RowError]


def import_heat_sources(
    session: Session, path: Path, *, registry: str | None = None, default_radius_m: float = 1000.0
) -> HeatSourceImport:
    """Add or update the sources of a file; entries are keyed by (registry, external id)."""
    sources, errors = read_heat_sources(path, default_radius_m)
    return upsert_heat_sources(session, sources, registry or path.stem, errors)


def upsert_heat_sources(
    session: Session, sources: list[HeatSource], registry: str, errors: list[RowError] | None = None
) -> HeatSourceImport:
    """Insert new sources and update known ones of ``registry``."""
    existing = {
        row.external_id: row
        for row in session.scalars(select(HeatSourceRow).where(HeatSourceRow.registry_name == registry))
    }
    new = updated = 0
    for source in sources:
        values = {
            "name": source.name,
            "kind": source.kind,
            "lon": source.lon,
            "lat": source.lat,
            "radius_m": source.radius_m,
            "geom_wkb": shapely.to_wkb(source.geometry),
            "is_active": True,
        }
        row = existing.get(source.external_id)
        if row is None:
            row = HeatSourceRow(registry_name=registry, external_id=source.external_id, **values)
            session.add(row)
            existing[source.external_id] = row
            new += 1
        else:
            for key, value in values.items():
                setattr(row, key, value)
            updated += 1
    session.flush()
    return HeatSourceImport(new, updated, errors or [])


def suppression_index(session: Session) -> tuple[SuppressionIndex, dict[int, str]]:
    """An index over active sources, and their display names by id."""
    rows = session.execute(
        select(HeatSourceRow.id, HeatSourceRow.name, HeatSourceRow.kind, HeatSourceRow.geom_wkb).where(
            HeatSourceRow.is_active
        )
    ).all()
    index = SuppressionIndex([r.id for r in rows], [shapely.from_wkb(r.geom_wkb) for r in rows])
    return index, {r.id: f"{r.kind} '{r.name}'" for r in rows}


def decide_proposal(
    session: Session, proposal_id: int, accept: bool, actor: str, radius_m: float, now: datetime
) -> HeatSourceProposal:
    """Accept (a registry entry around the point) or decline an inspector's heat-source proposal."""
    proposal = session.get(HeatSourceProposal, proposal_id)
    if proposal is None:
        raise NotFoundError(f"no heat-source proposal {proposal_id}")
    if proposal.status != "proposed":
        raise ConflictError(f"proposal {proposal_id} was already {proposal.status}")
    proposal.status, proposal.decided_by, proposal.decided_at = (
        ("accepted" if accept else "declined"),
        actor,
        now,
    )
    if accept:
        source = from_point(
            f"工业热源 (任务 #{proposal.task_id})",
            "industrial",
            proposal.lon,
            proposal.lat,
            radius_m,
            f"proposal-{proposal.id}",
        )
        upsert_heat_sources(session, [source], PROPOSALS_REGISTRY)
        row = session.scalars(
            select(HeatSourceRow).where(
                HeatSourceRow.registry_name == PROPOSALS_REGISTRY,
                HeatSourceRow.external_id == source.external_id,
            )
        ).one()
        proposal.heat_source_id = row.id
    return proposal
