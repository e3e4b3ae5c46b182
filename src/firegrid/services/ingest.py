"""The fire-point ingest pipeline: parse -> dedup -> suppress -> route -> incidents -> tasks -> outbox.

One file is one transaction: its detections, incidents, tasks, outbox messages and the
job's summary are committed together, so a killed worker leaves nothing half-done and a
redelivered job finds its summary instead of ingesting twice.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import BaseModel, Field
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from firegrid.config import PipelineConfig
from firegrid.detect.detections import Detections
from firegrid.errors import InputError, NotFoundError
from firegrid.firepoints import ParseResult, read_fire_points
from firegrid.grid.routing import METHOD_NAMES, Routes
from firegrid.incidents.footprints import footprint_of, rectangle
from firegrid.landuse import LandUse
from firegrid.services import incidents as incident_service
from firegrid.services.grid import ActiveGrid, GridCache
from firegrid.services.heat_sources import suppression_index
from firegrid.services.ownership import job_owner
from firegrid.services.place_names import disagreements
from firegrid.services.site_lookup import detection_shapes, site_index
from firegrid.services.tasks import create_tasks, task_updated
from firegrid.store.db import transaction
from firegrid.store.tables import DetectionRow, IngestJob, utcnow
from firegrid.suppress.matching import spurious_mask
from firegrid.telemetry import DETECTIONS_STORED
from firegrid.types import DetectionStatus, Hazard, SourceKind

log = logging.getLogger(__name__)

KEY_CHUNK = 900  # below SQLite's bound-parameter limit
LOCATION_CHANGE_M = 100.0  # an incident that moves more than this tells its task's inspectors


class IngestErrorItem(BaseModel):
    """One problem: the file, the line (None: the whole file) and what is wrong."""

    file: str
    line: int | None
    message: str


class IngestSummary(BaseModel):
    """What an ingest did; ``read == new + duplicates + len(errors from rows)``."""

    read: int = 0
    new: int = 0
    duplicates: int = 0
    suppressed: int = 0
    unrouted: int = 0
    incidents_new: int = 0
    tasks_new: int = 0
    errors: list[IngestErrorItem] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def add(self, other: IngestSummary) -> IngestSummary:
        """The sum of two summaries."""
        counts = {k: getattr(self, k) + getattr(other, k) for k in COUNT_FIELDS}
        return IngestSummary(
            **counts, errors=self.errors + other.errors, warnings=self.warnings + other.warnings
        )


COUNT_FIELDS = ("read", "new", "duplicates", "suppressed", "unrouted", "incidents_new", "tasks_new")


@dataclass
class IngestContext:
    """What the pipeline needs: sessions, config, the grid cache and the outbox channels."""

    sessions: sessionmaker[Session]
    config: PipelineConfig
    grids: GridCache
    channels: Sequence[str] = ("log",)
    progress: Callable[[int], None] | None = field(default=None, repr=False)
    land_use: LandUse | None = None


def create_job(
    session: Session,
    path: Path,
    *,
    filename: str | None = None,
    sha256: str,
    submitted_by: str | None = None,
    owner_path: str | None = None,
) -> IngestJob:
    """Record a file to ingest (owned by ``owner_path``; by default its source's owner)."""
    job = IngestJob(
        owner_path=job_owner(session, submitted_by) if owner_path is None else owner_path,
        filename=filename or path.name,
        path=str(path),
        sha256=sha256,
        size_bytes=path.stat().st_size,
        status="queued",
        submitted_by=submitted_by,
    )
    session.add(job)
    session.flush()
    return job


def run_job(ctx: IngestContext, job_id: int) -> IngestSummary:
    """Ingest a recorded job once; a job that is already done returns its stored summary."""
    with transaction(ctx.sessions) as session:
        job = session.get(IngestJob, job_id)
        if job is None:
            raise NotFoundError(f"no ingest job {job_id}")
        if job.status == "done":
            return IngestSummary.model_validate(job.summary)
        job.status, job.attempts, job.updated_at = "running", job.attempts + 1, utcnow()
        path, name = Path(job.path), job.filename
    try:
        return ingest_file(ctx, path, name=name, job_id=job_id)
    except Exception as exc:
        with transaction(ctx.sessions) as session:
            job = session.get_one(IngestJob, job_id)
            job.status, job.error, job.updated_at = "failed", f"{type(exc).__name__}: {exc}", utcnow()
        raise


def ingest_file(
    ctx: IngestContext, path: Path, *, name: str | None = None, job_id: int | None = None
) -> IngestSummary:
    """Ingest one file; a file that cannot be read at all becomes one error, not an exception."""
    label = name or str(path)
    try:
        parsed = read_fire_points(path, label, bulletin_tz=ctx.config.timezone)
    except (InputError, OSError, ValueError) as exc:
        summary = IngestSummary(errors=[IngestErrorItem(file=label, line=None, message=str(exc))])
        _finish_job(ctx, job_id, summary)
        return summary
    return _store_with_retries(ctx, parsed, label, job_id)


def ingest_detections(
    ctx: IngestContext, detections: Detections, *, label: str, job_id: int | None = None
) -> IngestSummary:
    """Ingest detections made by firegrid's own detectors (scenes, later cameras and drones)."""
    parsed = ParseResult("detections", detections, len(detections))
    return _store_with_retries(ctx, parsed, label, job_id)


def _store_with_retries(
    ctx: IngestContext, parsed: ParseResult, label: str, job_id: int | None
) -> IngestSummary:
    attempts = 5
    for attempt in range(attempts):
        try:
            with transaction(ctx.sessions) as session:
                return _store(session, ctx, parsed, label, job_id)
        except (IntegrityError, OperationalError) as exc:
            # a concurrent ingest stored some of the same detections first, or updated the same incidents
            # in another order (PostgreSQL deadlock / serialization failure): the whole transaction again
            if attempt == attempts - 1 or not _transient(exc):
                raise
            log.info(
                "retrying %s after a conflict with a concurrent ingest: %s", label, type(exc.orig).__name__
            )
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
    raise AssertionError("unreachable")


def _transient(exc: IntegrityError | OperationalError) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")  # deadlock, serialization failure


def _finish_job(ctx: IngestContext, job_id: int | None, summary: IngestSummary) -> None:
    if job_id is None:
        return
    with transaction(ctx.sessions) as session:
        _mark_done(session, job_id, summary)


def _mark_done(session: Session, job_id: int, summary: IngestSummary) -> None:
    job = session.get_one(IngestJob, job_id)
    job.status, job.summary, job.finished_at = "done", summary.model_dump(mode="json"), utcnow()
    job.updated_at = job.finished_at


def _store(
    session: Session, ctx: IngestContext, parsed: ParseResult, label: str, job_id: int | None
) -> IngestSummary:
    if job_id is not None:  # a second delivery of the same job must not overwrite the first one's summary
        job = session.get_one(IngestJob, job_id, with_for_update=True)
        if job.status == "done":
            return IngestSummary.model_validate(job.summary)
    detections = parsed.detections
    summary = IngestSummary(
        read=parsed.rows_read,
        errors=[IngestErrorItem(file=label, line=e.line, message=e.message) for e in parsed.errors],
        warnings=list(parsed.warnings),
    )
    keys = detections.dedup_keys()
    fresh = _fresh_indexes(session, keys)
    summary.duplicates = len(detections) - len(fresh)
    detections = detections[fresh]
    keys = [keys[i] for i in fresh]
    grid = ctx.grids.get(session)
    status, reason, heat_id = _suppress(session, detections, ctx.config)
    routes = grid.index.route(detections.lon, detections.lat) if grid else None
    rows = _rows(detections, keys, status, reason, heat_id, routes, grid, job_id)
    uses = ctx.land_use.classify(detections) if ctx.land_use is not None else [None] * len(rows)
    for row, site_id, use in zip(rows, _sites(session, detections), uses, strict=True):
        row["site_id"] = site_id
        row["footprint_wkb"] = shapely.to_wkb(footprint_of(row))
        row["land_use"] = use
    summary.warnings += disagreements(detections, routes, grid, label)
    ids = _insert(session, rows)
    summary.new = len(ids)
    summary.suppressed = sum(r["status"] == DetectionStatus.SUPPRESSED for r in rows)
    summary.unrouted = sum(r["status"] == DetectionStatus.UNROUTED for r in rows)
    routed_ids = [i for i, r in zip(ids, rows, strict=True) if r["status"] == DetectionStatus.ROUTED]
    if routed_ids and grid is not None:
        routed = list(
            session.scalars(
                select(DetectionRow).where(DetectionRow.id.in_(routed_ids)).order_by(DetectionRow.id)
            )
        )
        attached = incident_service.attach(session, routed, ctx.config.cluster)
        summary.incidents_new = len(attached.created)
        routed_incidents = [i for i in [*attached.created, *attached.split] if i.cell_code is not None]
        summary.tasks_new = len(create_tasks(session, routed_incidents, grid.tree, ctx.config, ctx.channels))
        for incident, moved_m, added in attached.updated:  # the open task is updated, not duplicated
            if moved_m > LOCATION_CHANGE_M or added:
                task_updated(session, incident, moved_m, added, grid.tree, ctx.config, ctx.channels)
    if job_id is not None:
        _mark_done(session, job_id, summary)
    log.info("ingested %s: %s", label, summary.model_dump(exclude={"errors", "warnings"}))
    return summary


def _fresh_indexes(session: Session, keys: list[str]) -> list[int]:
    """Indexes of keys not stored yet (and first occurrences only within the file)."""
    known: set[str] = set()
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), KEY_CHUNK):
        chunk = unique[start : start + KEY_CHUNK]
        known.update(session.scalars(select(DetectionRow.dedup_key).where(DetectionRow.dedup_key.in_(chunk))))
    seen: set[str] = set()
    fresh = []
    for i, key in enumerate(keys):
        if key not in known and key not in seen:
            fresh.append(i)
        seen.add(key)
    return fresh


def _sites(session: Session, detections: Detections) -> list[str | None]:
    """The construction site of each detection: given in ``attrs`` or the one it lies in."""
    if not len(detections):
        return []
    index = site_index(session)
    found = index.match(detections.lon, detections.lat, detection_shapes(detections)) if index.ids else []
    out: list[str | None] = []
    for i, attrs in enumerate(detections.attrs):
        site = attrs.get("site_id") or (found[i] if found else None)
        if detections.hazard[i] == Hazard.DUST and "site_id" not in attrs:
            attrs["site_id"] = site
            attrs["dust_class"] = (
                "site" if site else "outside_sites"
            )  # illegal bare land / stockpile candidate
        out.append(site)
    return out


def _cropland_out_of_season(detections: Detections, policy: PipelineConfig) -> NDArray[np.bool_]:
    """Dust patches on cropland observed outside the months in which bare cropland pages."""
    months = set(policy.dust.cropland_page_months)
    out = np.zeros(len(detections), bool)
    for i, (hazard, attrs) in enumerate(zip(detections.hazard, detections.attrs, strict=True)):
        if hazard == Hazard.DUST and attrs.get("kind") == "cropland":
            when = detections.observed_datetimes()[i].astimezone(policy.zone)
            out[i] = when.month not in months
    return out


def _suppress(
    session: Session, detections: Detections, config: PipelineConfig
) -> tuple[list[str], list[str | None], list[int | None]]:
    """Per detection: status so far (routed or suppressed), the reason, the heat source id.

    Heat sources and the VIIRS artefact filter apply to fires only; seasonal bare
    cropland outside its paging months is kept as suppressed.
    """
    index, names = suppression_index(session)
    fire = detections.hazard == Hazard.FIRE
    matched = np.where(fire, index.match(detections.lon, detections.lat), -1)
    coarse = fire & (detections.source_kind == SourceKind.SATELLITE_GEO.value)
    if coarse.any():  # a 2-4 km geostationary pixel carries the heat of any plant inside it
        pixels = [
            rectangle(detections.lon[i], detections.lat[i], detections.scan_m[i], detections.track_m[i])
            for i in np.flatnonzero(coarse)
        ]
        matched[coarse] = index.match_shapes(pixels)
    spurious = spurious_mask(detections) & fire
    cropland = _cropland_out_of_season(detections, config)
    status: list[str] = []
    reason: list[str | None] = []
    heat: list[int | None] = []
    for source_id, is_spurious, off_season in zip(
        matched.tolist(), spurious.tolist(), cropland.tolist(), strict=True
    ):
        if off_season:
            status.append(DetectionStatus.SUPPRESSED)
            reason.append(
                f"seasonal bare cropland outside the paging months {sorted(config.dust.cropland_page_months)}"
            )
            heat.append(None)
        elif source_id >= 0:
            status.append(DetectionStatus.SUPPRESSED)
            reason.append(f"inside heat source #{source_id} {names[source_id]}")
            heat.append(source_id)
        elif is_spurious:
            status.append(DetectionStatus.SUPPRESSED)
            reason.append("spurious VIIRS I4 hit (brightness/FRP > 1000 and brightness > 310 K)")
            heat.append(None)
        else:
            status.append(DetectionStatus.ROUTED)
            reason.append(None)
            heat.append(None)
    return status, reason, heat


def _rows(
    detections: Detections,
    keys: list[str],
    status: list[str],
    reason: list[str | None],
    heat: list[int | None],
    routes: Routes | None,
    grid: ActiveGrid | None,
    job_id: int | None,
) -> list[dict[str, Any]]:
    rows = []
    for i, row in enumerate(detections.rows()):
        cell = int(routes.cell[i]) if routes is not None else -1
        code = str(grid.index.codes[cell]) if grid is not None and cell >= 0 else None
        final = status[i]
        if final == DetectionStatus.ROUTED and code is None:
            final = DetectionStatus.UNROUTED
        distance = float(routes.distance_m[i]) if routes is not None and cell >= 0 else None
        row.update(
            dedup_key=keys[i],
            status=final,
            suppression_reason=reason[i],
            heat_source_id=heat[i],
            grid_version_id=grid.version_id if grid else None,
            cell_code=code,
            cell_path=grid.tree.path(code) if grid and code else None,
            route_method=METHOD_NAMES[int(routes.method[i])] if routes is not None else None,
            route_distance_m=distance,
            ingest_job_id=job_id,
        )
        rows.append(row)
    return rows


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    result = session.execute(
        insert(DetectionRow).returning(DetectionRow.id, sort_by_parameter_order=True), rows
    )
    ids = [r[0] for r in result]
    for kind, n in Counter(r["source_kind"] for r in rows).items():
        DETECTIONS_STORED.labels(kind).inc(n)
    return ids
