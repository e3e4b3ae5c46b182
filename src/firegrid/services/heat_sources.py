"""The heat-source registry in the database: import (upsert), deactivate, proposals, the suppression
index. Every entry belongs to the deepest cell covering its whole footprint; a principal may only
write entries inside their subtree, no larger than the bounded radius, and each change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.auth.roles import Principal
from firegrid.errors import ConflictError, FiregridError, InputError, NotFoundError, RowError
from firegrid.grid.ownership import max_extent_m
from firegrid.services.ownership import Writer, locate, record, visible
from firegrid.store.cas import compare_and_set
from firegrid.store.tables import HeatSourceProposal, HeatSourceRow
from firegrid.suppress.heat_sources import HeatSource, from_point, read_heat_sources
from firegrid.suppress.matching import SuppressionIndex

PROPOSALS_REGISTRY = "inspector-proposals"
KIND = "heat_source"


@dataclass(frozen=True)
class HeatSourceImport:
    """What an import did."""

    new: int
    updated: int
    errors: list[RowError]


def import_heat_sources(
    session: Session,
    path: Path,
    *,
    registry: str | None = None,
    default_radius_m: float = 1000.0,
    writer: Writer | None = None,
    max_radius_m: float | None = None,
) -> HeatSourceImport:
    """Add or update the sources of a file; entries are keyed by (registry, external id). Entries the
    writer may not make are listed as errors, the others imported."""
    sources, errors = read_heat_sources(path, default_radius_m)
    return upsert_heat_sources(session, sources, registry or path.stem, errors, writer, max_radius_m)


def _extent_m(source: HeatSource) -> float:
    return source.radius_m if source.radius_m is not None else max_extent_m(source.geometry)


def _refusal(
    writer: Writer, row: HeatSourceRow | None, owner: str, source: HeatSource, max_radius_m: float | None
) -> FiregridError | None:
    what = f"heat source {source.external_id}"
    refused = writer.refusal(row.owner_path if row is not None else None, owner, what)
    if refused is None and max_radius_m and not writer.unrestricted and _extent_m(source) > max_radius_m:
        refused = InputError(
            f"{what}: radius {_extent_m(source):.0f} m is above the limit of {max_radius_m:.0f} m",
            code="radius_too_large",
        )
    return refused


def upsert_heat_sources(
    session: Session,
    sources: list[HeatSource],
    registry: str,
    errors: list[RowError] | None = None,
    writer: Writer | None = None,
    max_radius_m: float | None = None,
) -> HeatSourceImport:
    """Insert new sources and update known ones of ``registry`` (audited); what the writer may not
    write is reported in ``errors``."""
    rows, refused = _upsert(session, sources, registry, writer or Writer(), max_radius_m)
    new = sum(action == "create" for _, action in rows)
    problems = list(errors or []) + [RowError(None, str(exc)) for exc in refused]
    return HeatSourceImport(new, len(rows) - new, problems)


def _upsert(
    session: Session, sources: list[HeatSource], registry: str, writer: Writer, max_radius_m: float | None
) -> tuple[list[tuple[HeatSourceRow, str]], list[FiregridError]]:
    writer = writer.with_tree(session)
    existing = {
        row.external_id: row
        for row in session.scalars(select(HeatSourceRow).where(HeatSourceRow.registry_name == registry))
    }
    refusals, changed = [], []
    for source in sources:
        row = existing.get(source.external_id)
        owner = locate(writer.tree, source.geometry)
        refused = _refusal(writer, row, owner, source, max_radius_m)
        if refused is not None:
            refusals.append(refused)
            continue
        values = {
            "name": source.name,
            "kind": source.kind,
            "lon": source.lon,
            "lat": source.lat,
            "radius_m": source.radius_m,
            "geom_wkb": shapely.to_wkb(source.geometry),
            "is_active": True,
            "owner_path": owner,
        }
        if row is None:
            row = HeatSourceRow(registry_name=registry, external_id=source.external_id, **values)
            session.add(row)
            existing[source.external_id] = row
            changed.append((row, "create"))
        else:
            for key, value in values.items():
                setattr(row, key, value)
            changed.append((row, "update"))
    session.flush()
    for row, action in changed:
        record(session, writer.actor, KIND, row.id, action, row.owner_path, **_detail(row))
    return changed, refusals


def _detail(row: HeatSourceRow) -> dict[str, object]:
    return {
        "registry": row.registry_name,
        "external_id": row.external_id,
        "name": row.name,
        "kind": row.kind,
        "lon": row.lon,
        "lat": row.lat,
        "radius_m": row.radius_m,
        "active": row.is_active,
    }


def add_heat_source(
    session: Session, source: HeatSource, registry: str, writer: Writer, max_radius_m: float | None
) -> HeatSourceRow:
    """One entry, or the reason it may not be made raised (403 outside the area, 400 too large)."""
    rows, refused = _upsert(session, [source], registry, writer, max_radius_m)
    if refused:
        raise refused[0]
    return rows[0][0]


def deactivate(session: Session, principal: Principal, source_id: int, actor: str | None = None) -> None:
    """Stop suppressing with an entry of the caller's subtree (kept for the audit)."""
    row: HeatSourceRow = visible(principal, session.get(HeatSourceRow, source_id), f"heat source {source_id}")
    if row.is_active:
        row.is_active = False
        record(session, actor or principal.name, KIND, row.id, "deactivate", row.owner_path, **_detail(row))


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
    session: Session,
    proposal_id: int,
    accept: bool,
    writer: Writer,
    radius_m: float,
    now: datetime,
    max_radius_m: float | None = None,
) -> HeatSourceProposal:
    """Accept (a registry entry around the point, inside the writer's area) or decline an
    inspector's heat-source proposal of the writer's subtree (audited)."""
    proposal = session.get(HeatSourceProposal, proposal_id)
    if proposal is None or (writer.principal is not None and not writer.principal.sees(proposal.owner_path)):
        raise NotFoundError(f"no heat-source proposal {proposal_id}")
    decision = {"status": "accepted" if accept else "declined", "decided_by": writer.actor, "decided_at": now}
    if proposal.status != "proposed" or not compare_and_set(
        session, proposal, {"status": "proposed"}, decision
    ):
        raise ConflictError(f"proposal {proposal_id} was already {proposal.status}", code="already_decided")
    if accept:
        source = from_point(
            f"工业热源 (任务 #{proposal.task_id})",
            "industrial",
            proposal.lon,
            proposal.lat,
            radius_m,
            f"proposal-{proposal.id}",
        )
        proposal.heat_source_id = add_heat_source(
            session, source, PROPOSALS_REGISTRY, writer, max_radius_m
        ).id
    record(
        session,
        writer.actor,
        "proposal",
        proposal.id,
        proposal.status,
        proposal.owner_path,
        heat_source_id=proposal.heat_source_id,
        radius_m=radius_m if accept else None,
    )
    return proposal
