"""The persistent-heat mask in the database: build candidates from history, accept or reject them.

Accepted candidates become entries of the heat-source registry (``heat-mask``), so the
ingest pipeline suppresses detections inside them (kept, with the reason); rejecting an
accepted one deactivates its entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.detect.detections import Detections
from firegrid.errors import ConflictError, InputError, NotFoundError
from firegrid.firepoints import read_fire_points
from firegrid.services.heat_sources import add_heat_source
from firegrid.services.ownership import Writer, active_tree, locate, record
from firegrid.store.cas import compare_and_set
from firegrid.store.tables import DetectionRow, HeatMaskCandidate, HeatSourceProposal, HeatSourceRow
from firegrid.suppress.heat_mask import HeatPoints, MaskParams, find_candidates
from firegrid.suppress.heat_sources import HeatSource
from firegrid.types import Hazard, SourceKind

REGISTRY = "heat-mask"


def points_of(detections: Detections) -> HeatPoints:
    """Detections as mask input."""
    return HeatPoints(
        detections.lon,
        detections.lat,
        detections.observed_datetimes(),
        np.array([str(d).upper() == "N" for d in detections.daynight], dtype=bool),
    )


def history_points(session: Session, since: datetime | None = None) -> HeatPoints:
    """firegrid's own satellite fire detections (suppressed ones included: they are history too)."""
    query = select(DetectionRow.lon, DetectionRow.lat, DetectionRow.observed_at, DetectionRow.daynight).where(
        DetectionRow.hazard == Hazard.FIRE.value,
        DetectionRow.source_kind.in_((SourceKind.SATELLITE_PRODUCT.value, SourceKind.SATELLITE_SCENE.value)),
    )
    if since is not None:
        query = query.where(DetectionRow.observed_at >= since)
    rows = session.execute(query).all()
    return HeatPoints(
        np.array([r.lon for r in rows], dtype=np.float64),
        np.array([r.lat for r in rows], dtype=np.float64),
        [r.observed_at for r in rows],
        np.array([(r.daynight or "").upper() == "N" for r in rows], dtype=bool),
    )


def file_points(paths: Sequence[Path]) -> tuple[HeatPoints, list[str]]:
    """FIRMS archive / NRT files (any format ingest reads); problems are listed, not raised."""
    parts, problems = [], []
    for path in paths:
        try:
            parsed = read_fire_points(path, str(path))
        except (InputError, OSError, ValueError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        problems += [f"{path} line {e.line}: {e.message}" for e in parsed.errors]
        parts.append(parsed.detections)
    return points_of(Detections.concat(parts)), problems


def merge_points(a: HeatPoints, b: HeatPoints) -> HeatPoints:
    """Both sets of points."""
    return HeatPoints(
        np.concatenate((a.lon, b.lon)),
        np.concatenate((a.lat, b.lat)),
        a.observed + b.observed,
        np.concatenate((a.night, b.night)),
    )


@dataclass
class BuildReport:
    """What a build found."""

    points: int
    candidates: list[int] = field(default_factory=list)
    new: int = 0


def build(session: Session, points: HeatPoints, params: MaskParams, now: datetime) -> BuildReport:
    """Find candidates and keep them (a decided candidate keeps its decision, its evidence is updated)."""
    proposals = [
        (p.lon, p.lat)
        for p in session.scalars(select(HeatSourceProposal).where(HeatSourceProposal.status != "declined"))
    ]
    report = BuildReport(points=len(points.lon))
    tree = active_tree(session)
    for found in find_candidates(points, params, proposals):
        row = session.scalar(select(HeatMaskCandidate).where(HeatMaskCandidate.key == found.key))
        if row is None:
            row = HeatMaskCandidate(key=found.key, status="proposed", created_at=now)
            session.add(row)
            report.new += 1
        lon, lat = found.centre
        row.geom_wkb, row.lon, row.lat = shapely.to_wkb(found.geometry), lon, lat
        row.owner_path = locate(tree, found.geometry)
        row.detections, row.days, row.night_overpasses = found.detections, found.days, found.night_overpasses
        row.outside_harvest_days, row.proposals, row.score = (
            found.outside_harvest_days,
            found.proposals,
            found.score,
        )
        row.reasons, row.first_seen, row.last_seen, row.updated_at = (
            found.reasons,
            found.first_seen,
            found.last_seen,
            now,
        )
        session.flush()
        report.candidates.append(row.id)
    return report


def decide(
    session: Session, candidate_id: int, accept: bool, writer: Writer, now: datetime
) -> HeatMaskCandidate:
    """Accept (the cells become a registry entry, which must lie in the writer's area) or reject a
    candidate of the writer's subtree (audited)."""
    row = session.get(HeatMaskCandidate, candidate_id)
    if row is None or (writer.principal is not None and not writer.principal.sees(row.owner_path)):
        raise NotFoundError(f"no heat-mask candidate {candidate_id}")
    decision = {"status": "accepted" if accept else "rejected", "decided_by": writer.actor, "decided_at": now}
    if not compare_and_set(session, row, {"status": row.status, "decided_at": row.decided_at}, decision):
        raise ConflictError(
            f"heat-mask candidate {candidate_id} was decided meanwhile", code="already_decided"
        )
    if accept:
        source = HeatSource(
            name=f"持续热源 {row.lat:.3f}N {row.lon:.3f}E ({row.days} 天)",
            kind="persistent_heat",
            geometry=shapely.from_wkb(row.geom_wkb),
            lon=row.lon,
            lat=row.lat,
            radius_m=None,
            external_id=row.key,
        )
        row.heat_source_id = add_heat_source(session, source, REGISTRY, writer, None).id
    elif row.heat_source_id is not None:
        old = session.get(HeatSourceRow, row.heat_source_id)
        if old is not None and old.is_active:
            writer.admit(old.owner_path, old.owner_path, f"heat source {old.id}")
            old.is_active = False
            record(session, writer.actor, "heat_source", old.id, "deactivate", old.owner_path, mask=row.key)
    record(session, writer.actor, "heat_mask", row.id, row.status, row.owner_path, key=row.key)
    return row
