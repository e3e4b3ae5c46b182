"""Construction sites in the database: import, lookup, the compliance report and its tasks."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.auth.roles import Principal
from firegrid.detect.detections import Detections
from firegrid.errors import NotFoundError, PermissionDeniedError, RowError
from firegrid.services.ingest import IngestContext, ingest_detections
from firegrid.services.ownership import Writer, locate, owned_by
from firegrid.services.ownership import record as audit
from firegrid.sites.compliance import CameraFact, ComplianceRule, SiteCompliance, SiteFacts, check
from firegrid.sites.registry import SiteRecord, read_sites
from firegrid.store.db import transaction
from firegrid.store.tables import (
    CameraRow,
    DetectionRow,
    SiteMonitor,
    SiteRow,
    SiteViolation,
    TaskRow,
    utcnow,
)
from firegrid.types import Hazard, SourceKind
from firegrid.workflow import TaskStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteImport:
    """What an import did."""

    new: int
    updated: int
    errors: list[RowError]


def upsert_site(session: Session, record: SiteRecord, writer: Writer | None = None) -> tuple[SiteRow, bool]:
    """Create or update a site (and its monitors) inside the writer's area, audited; returns
    (row, created). A site owned by another area, or one that would lie outside the writer's area,
    is refused (403)."""
    writer = (writer or Writer()).with_tree(session)
    geometry = record.geometry()
    owner = locate(writer.tree, geometry)
    row = session.get(SiteRow, record.id)
    writer.admit(row.owner_path if row else None, owner, f"site {record.id}")
    for camera in session.scalars(select(CameraRow).where(CameraRow.id.in_(record.cameras))):
        writer.admit(camera.owner_path, camera.owner_path, f"camera {camera.id}")
    for monitor in record.monitors:  # a monitor of another site moves only within the writer's area
        taken = session.scalar(select(SiteRow).join(SiteMonitor).where(SiteMonitor.mn == monitor.mn))
        if taken is not None and taken.id != record.id:
            writer.admit(taken.owner_path, owner, f"monitor {monitor.mn}")
    inside = geometry.representative_point()
    minx, miny, maxx, maxy = geometry.bounds
    values: dict[str, Any] = {
        "name": record.name,
        "permit_no": record.permit_no,
        "project_code": record.project_code,
        "builder": record.builder,
        "contractor": record.contractor,
        "responsible_person": record.responsible_person,
        "contact_phone": record.contact_phone,
        "start_date": record.start_date,
        "end_date": record.end_date,
        "status": record.status,
        "phase": record.phase,
        "geom_wkb": shapely.to_wkb(geometry),
        "source_crs": record.source_crs,
        "area_declared_m2": record.area_declared_m2,
        "area_geodesic_m2": record.area_m2(),
        "lon": inside.x,
        "lat": inside.y,
        "min_lon": minx,
        "min_lat": miny,
        "max_lon": maxx,
        "max_lat": maxy,
        "camera_ids": record.cameras,
        "updated_at": utcnow(),
        "owner_path": owner,
    }
    created = row is None
    if row is None:
        row = SiteRow(id=record.id, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.flush()
    _set_monitors(session, row.id, record)
    action = "create" if created else "update"
    audit(session, writer.actor, "site", row.id, action, owner, name=row.name, area_m2=row.area_geodesic_m2)
    return row, created


def _set_monitors(session: Session, site_id: str, record: SiteRecord) -> None:
    existing = {m.mn: m for m in session.scalars(select(SiteMonitor).where(SiteMonitor.site_id == site_id))}
    wanted = {m.mn: m for m in record.monitors}
    for mn, monitor in existing.items():
        if mn not in wanted:
            session.delete(monitor)
    for mn, spec in wanted.items():
        row = existing.get(mn) or session.scalar(select(SiteMonitor).where(SiteMonitor.mn == mn))
        if row is None:
            session.add(SiteMonitor(site_id=site_id, mn=mn, lon=spec.lon, lat=spec.lat))
        else:
            row.site_id, row.lon, row.lat = site_id, spec.lon, spec.lat
    session.flush()


def import_sites(session: Session, path: Path, writer: Writer | None = None) -> SiteImport:
    """Upsert every valid site of a file; bad features, and sites the writer may not write, are
    reported, not imported."""
    records, errors = read_sites(path)
    writer = (writer or Writer()).with_tree(session)
    new = updated = 0
    for record in records:
        try:
            _, created = upsert_site(session, record, writer)
        except PermissionDeniedError as exc:
            errors.append(RowError(None, str(exc)))
            continue
        new += created
        updated += not created
    return SiteImport(new, updated, errors)


def site_row(session: Session, site_id: str, principal: Principal | None = None) -> SiteRow:
    """A site (of the principal's subtree, when given) or ``NotFoundError``."""
    row = session.get(SiteRow, site_id)
    if row is None or (principal is not None and not principal.sees(row.owner_path)):
        raise NotFoundError(f"no site {site_id!r}")
    return row


def describe_site(session: Session, row: SiteRow) -> dict[str, Any]:
    """A site as the API returns it (GeoJSON polygon, areas, people, cameras, monitors)."""
    monitors = session.scalars(
        select(SiteMonitor).where(SiteMonitor.site_id == row.id).order_by(SiteMonitor.mn)
    )
    return {
        "id": row.id,
        "name": row.name,
        "permit_no": row.permit_no,
        "project_code": row.project_code,
        "builder": row.builder,
        "contractor": row.contractor,
        "responsible_person": row.responsible_person,
        "contact_phone": row.contact_phone,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "status": row.status,
        "phase": row.phase,
        "area_geodesic_m2": round(row.area_geodesic_m2, 1),
        "area_declared_m2": row.area_declared_m2,
        "source_crs": row.source_crs,
        "point": {"lon": row.lon, "lat": row.lat},
        "polygon": shapely.geometry.mapping(shapely.from_wkb(row.geom_wkb)),
        "cameras": sorted(_camera_ids(session, row)),
        "monitors": [
            {
                "mn": m.mn,
                "lon": m.lon,
                "lat": m.lat,
                "last_reading_at": m.last_reading_at,
                "last_pm10": m.last_pm10,
            }
            for m in monitors
        ],
    }


def record_reading(
    session: Session, mn: str, at: datetime, pm10: float | None, principal: Principal | None = None
) -> SiteMonitor:
    """A monitor reported (HJ 212 relay, or any client): keep the time and PM10 value (a monitor
    of a site in the principal's subtree, when given)."""
    monitor = session.scalar(select(SiteMonitor).where(SiteMonitor.mn == mn))
    site = session.get(SiteRow, monitor.site_id) if monitor is not None else None
    if monitor is None or (principal is not None and (site is None or not principal.sees(site.owner_path))):
        raise NotFoundError(f"no PM10 monitor {mn!r}")
    if monitor.last_reading_at is None or at >= monitor.last_reading_at:
        monitor.last_reading_at, monitor.last_pm10 = at, pm10
    return monitor


# --- compliance --------------------------------------------------------------------------------


def _camera_ids(session: Session, site: SiteRow) -> set[str]:
    named = {r.id for r in session.scalars(select(CameraRow)) if (r.config or {}).get("site_id") == site.id}
    return named | set(site.camera_ids or [])


def site_facts(session: Session, site: SiteRow) -> SiteFacts:
    """What the rule needs to know of a site."""
    cameras = []
    for camera_id in sorted(_camera_ids(session, site)):
        row = session.get(CameraRow, camera_id)
        cameras.append(
            CameraFact(camera_id, row.enabled if row else True, row.last_frame_at if row else None)
        )
    monitors = {
        m.mn: m.last_reading_at
        for m in session.scalars(select(SiteMonitor).where(SiteMonitor.site_id == site.id))
    }
    return SiteFacts(site.id, site.area_geodesic_m2, site.status, cameras, monitors)


def compliance_report(
    session: Session, rule: ComplianceRule, now: datetime, principal: Principal | None = None
) -> list[SiteCompliance]:
    """Every site's (of the principal's subtree, when given) requirement and violations, by site id."""
    query = select(SiteRow).order_by(SiteRow.id)
    if principal is not None:
        query = query.where(owned_by(SiteRow.owner_path, principal))
    return [check(site_facts(session, s), rule, now) for s in session.scalars(query)]


@dataclass
class ComplianceRun:
    """What a compliance run did: the report, violations opened (with tasks) and resolved."""

    report: list[SiteCompliance]
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)


def _still_open(session: Session, violation: SiteViolation) -> bool:
    """An open violation whose task is not closed yet (the dedup rule)."""
    if violation.incident_id is None:
        return True
    task = session.scalar(select(TaskRow).where(TaskRow.incident_id == violation.incident_id))
    return task is None or task.status != TaskStatus.CLOSED


def run_compliance(ctx: IngestContext, rule: ComplianceRule, now: datetime) -> ComplianceRun:
    """Check every site; open a violation (detection -> incident -> task) per new breach,
    deduplicated while its task is open; resolve violations whose rule holds again."""
    to_open: list[tuple[SiteRow, str, str]] = []
    with transaction(ctx.sessions) as session:
        report = compliance_report(session, rule, now)
        run = ComplianceRun(report)
        for verdict in report:
            current = {v.kind: v.detail for v in verdict.violations}
            open_rows = session.scalars(
                select(SiteViolation).where(
                    SiteViolation.site_id == verdict.site_id, SiteViolation.resolved_at.is_(None)
                )
            ).all()
            for row in open_rows:
                if row.kind not in current:
                    row.resolved_at = now
                    run.resolved.append(row.id)
            active = {r.kind for r in open_rows if r.kind in current and _still_open(session, r)}
            site = session.get_one(SiteRow, verdict.site_id)
            to_open += [(site, kind, detail) for kind, detail in current.items() if kind not in active]
            session.expunge(site)
    for site, kind, detail in to_open:
        run.opened.append(_open_violation(ctx, site, kind, detail, now))
    return run


def _open_violation(ctx: IngestContext, site: SiteRow, kind: str, detail: str, now: datetime) -> int:
    detections = Detections.from_columns(
        lon=[site.lon],
        lat=[site.lat],
        observed_at=[now],
        hazard=Hazard.SITE_COMPLIANCE.value,
        source_kind=SourceKind.REGISTRY.value,
        sensor="site-rule",
        platform=kind,
        product=site.id,
        confidence=[1.0],
        footprint_m=[site.area_geodesic_m2**0.5],
        source_file="site registry",
        detector="site-video-rule",
        detector_version="1",
        attrs=[{"site_id": site.id, "violation": kind, "detail": detail, "site_name": site.name}],
    )
    ingest_detections(ctx, detections, label=f"site {site.id} {kind}")
    with transaction(ctx.sessions) as session:
        detection = session.scalar(
            select(DetectionRow).where(DetectionRow.dedup_key == detections.dedup_keys()[0])
        )
        violation = SiteViolation(
            site_id=site.id,
            kind=kind,
            detail=detail,
            opened_at=now,
            detection_id=detection.id if detection else None,
            incident_id=detection.incident_id if detection else None,
        )
        session.add(violation)
        session.flush()
        log.info("site %s: %s (%s)", site.id, kind, detail)
        return violation.id
