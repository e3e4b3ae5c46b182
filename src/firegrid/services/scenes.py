"""Scene jobs: register a scene, scan its windows (in parallel, each once), ingest what they found.

The one orchestration of scene scanning: worker tasks (``scene_job`` -> ``scene_window`` x N ->
``scene_finish``) call ``plan_job``, ``scan_job_window`` and ``finish_job``; ``firegrid scan`` and
the sources' in-process scans call ``run_scene_job``, which calls the same three. A job's
``request["scan"]`` holds its options (detectors, land cover, acquisition time, window size,
ingest, quicklook); each window runs every detector asked for on one decoded window
(``detect.scene_pass``).
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.config import SentinelHubSettings
from firegrid.detect.dust.params import DustParams
from firegrid.detect.runner import ProgressFn
from firegrid.detect.scene_pass import (
    FIRE,
    PlanReader,
    ScanRequest,
    ScenePlan,
    WindowResult,
    finish_plan,
    open_plan,
)
from firegrid.errors import InputError, NotFoundError
from firegrid.files import confine
from firegrid.imagery.sentinelhub import Acquisition, SentinelHubSource
from firegrid.services.ingest import IngestContext
from firegrid.services.ownership import job_owner
from firegrid.services.scene_results import (
    dust_file,
    fire_from_record,
    forget,
    load_dust,
    save_dust,
    summarise,
    window_record,
)
from firegrid.store.db import transaction
from firegrid.store.tables import SceneJob, SceneWindow, utcnow

log = logging.getLogger(__name__)


@dataclass
class ScanContext:
    """What scene jobs need besides the ingest pipeline."""

    ingest: IngestContext
    models_dir: Path
    window_size: int = 1024
    s2_offset: float = -1000.0
    sentinelhub: SentinelHubSettings | None = None
    roots: list[Path] | None = None  # where job scenes and their band files must lie (None: anywhere)
    dust: DustParams = field(default_factory=DustParams)
    work_dir: Path | None = None  # windows' bare-soil results wait here for the finish (default: temp)
    read_threads: int = 2  # threads GDAL may decode one band region with

    @property
    def work(self) -> Path:
        """The work folder."""
        return self.work_dir or Path(tempfile.gettempdir()) / "firegrid-scene-work"


def scan_options(
    detectors: list[str] | None = None,
    *,
    landcover: Path | None = None,
    acquired_at: datetime | None = None,
    window_size: int | None = None,
    ingest: bool = True,
    quicklook: Path | None = None,
) -> dict[str, Any]:
    """A job's ``request["scan"]``: only what differs from the defaults."""
    options: dict[str, Any] = {"detectors": detectors or [FIRE]}
    if landcover is not None:
        options["landcover"] = str(landcover)
    if acquired_at is not None:
        options["acquired_at"] = acquired_at.isoformat()
    if window_size is not None:
        options["window_size"] = window_size
    if not ingest:
        options["ingest"] = False
    if quicklook is not None:
        options["quicklook"] = str(quicklook)
    return options


def check_scene_path(path: Path | str, roots: list[Path]) -> Path:
    """The resolved path, if it lies under one of ``roots`` after following links (file gate);
    otherwise ``UnsafeFileError`` (a NUL byte, a ``/vsi`` prefix, traversal, a link out)."""
    return confine(path, roots, "scene")


def create_scene_job(
    session: Session,
    source: str,
    *,
    sensor: str = "auto",
    detector: str | None = None,
    request: dict[str, Any] | None = None,
    submitted_by: str | None = None,
    owner_path: str | None = None,
) -> SceneJob:
    """Record a scene to scan (owned by ``owner_path``; by default its source's owner)."""
    job = SceneJob(
        owner_path=job_owner(session, submitted_by) if owner_path is None else owner_path,
        source=source,
        sensor=sensor,
        detector=detector,
        request=request or {},
        status="queued",
        submitted_by=submitted_by,
    )
    session.add(job)
    session.flush()
    return job


def _options(job: SceneJob) -> dict[str, Any]:
    options = (job.request or {}).get("scan")
    return dict(options) if isinstance(options, dict) else {}


def _plan(ctx: ScanContext, job: SceneJob) -> ScenePlan:
    options = _options(job)
    when = options.get("acquired_at")
    request = ScanRequest(
        Path(job.source),
        job.sensor.replace("landsat8", "landsat").replace("landsat9", "landsat"),
        tuple(options.get("detectors") or [FIRE]),
        job.detector,
        Path(options["landcover"]) if options.get("landcover") else None,
        datetime.fromisoformat(when) if when else None,
        int(options.get("window_size") or ctx.window_size),
    )
    return open_plan(request, ctx.models_dir, ctx.s2_offset, ctx.dust, ctx.roots)


def plan_job(ctx: ScanContext, job_id: int) -> list[int]:
    """Open the scene, record its windows; returns the indexes still to scan."""
    with transaction(ctx.ingest.sessions) as session:
        job = _job(session, job_id)
        if job.status == "done":
            return []
        plan = _plan(ctx, job)
        specs = plan.windows()
        known = set(session.scalars(select(SceneWindow.idx).where(SceneWindow.job_id == job_id)))
        session.add_all(
            [SceneWindow(job_id=job_id, idx=s.index, status="pending") for s in specs if s.index not in known]
        )
        job.status, job.scene_id, job.windows_total, job.updated_at = (
            "scanning",
            plan.grid.scene_id,
            len(specs),
            utcnow(),
        )
        pending = session.scalars(
            select(SceneWindow.idx).where(SceneWindow.job_id == job_id, SceneWindow.status != "done")
        )
        return sorted(pending)


def scan_job_window(ctx: ScanContext, job_id: int, index: int) -> bool:
    """Scan one window (a no-op when already done); True when every window of the job is done."""
    with ctx.ingest.sessions() as session:
        job = _job(session, job_id)
        row = session.scalars(
            select(SceneWindow).where(SceneWindow.job_id == job_id, SceneWindow.idx == index)
        ).one()
        if row.status != "done":
            plan = _plan(ctx, job)
            with PlanReader(plan, ctx.read_threads) as reader:
                result = reader.scan(plan.windows()[index])
            if plan.dust is not None:
                save_dust(dust_file(ctx.work, job_id, index), result.dust)
            row.pixels = window_record(result)
            row.status, row.updated_at = "done", utcnow()
            session.commit()
        remaining = session.scalar(
            select(func.count()).where(SceneWindow.job_id == job_id, SceneWindow.status != "done")
        )
        return remaining == 0


def finish_job(ctx: ScanContext, job_id: int) -> dict[str, Any]:
    """Cluster the fire pixels, measure the bare patches, ingest them, store the summary (once)."""
    with ctx.ingest.sessions() as session:
        job = _job(session, job_id)
        if job.status == "done":
            return dict(job.summary)
        plan, options = _plan(ctx, job), _options(job)
        windows = session.scalars(
            select(SceneWindow).where(SceneWindow.job_id == job_id).order_by(SceneWindow.idx)
        ).all()
        results = [
            WindowResult(
                fire_from_record(w.pixels) if plan.fire is not None else None,
                load_dust(dust_file(ctx.work, job_id, w.idx)) if plan.dust is not None else [],
                float(w.pixels.get("read_s", 0.0)),
                float(w.pixels.get("detect_s", 0.0)),
            )
            for w in windows
        ]
    outcome = finish_plan(plan, results, sum(r.read_s + r.detect_s for r in results))
    summary = summarise(ctx.ingest, outcome, options)
    with transaction(ctx.ingest.sessions) as session:
        job = _job(session, job_id)
        job.status, job.summary, job.finished_at, job.updated_at = "done", summary, utcnow(), utcnow()
    forget(ctx.work, job_id)
    return summary


def fail_job(ctx: ScanContext, job_id: int, error: str) -> None:
    """Mark a job failed with a message naming the problem."""
    with transaction(ctx.ingest.sessions) as session:
        job = _job(session, job_id)
        job.status, job.error, job.updated_at = "failed", error, utcnow()


def _job(session: Session, job_id: int) -> SceneJob:
    job = session.get(SceneJob, job_id)
    if job is None:
        raise NotFoundError(f"no scene job {job_id}")
    return job


def download_if_needed(ctx: ScanContext, job_id: int) -> None:
    """For a Sentinel Hub job: search the acquisition, download its bands (once), then scan them."""
    with ctx.ingest.sessions() as session:
        job = _job(session, job_id)
        request, source = dict(job.request), job.source
    if "collection" not in request or (Path(source) / "scene.json").is_file():  # scene.json is written last
        return
    sentinelhub = SentinelHubSource(ctx.sentinelhub or SentinelHubSettings())
    bbox = tuple(request["bbox"])
    if request.get("acquisition_id"):  # a catalog poll already chose the acquisition
        hits = [
            Acquisition(
                request["acquisition_id"],
                request["collection"],
                datetime.fromisoformat(request["datetime"]),
                request.get("cloud_cover"),
            )
        ]
    else:
        hits = sentinelhub.search(
            request["collection"],
            bbox,
            datetime.fromisoformat(request["start"]),
            datetime.fromisoformat(request["end"]),
            request.get("max_cloud", 30.0),
        )
    if not hits:
        window = f"{request['start']} .. {request['end']}"
        raise InputError(f"no {request['collection']} acquisition over {bbox} in {window}")
    acquisition = sorted(hits, key=lambda h: (h.cloud_cover or 0.0, h.datetime))[0]
    with transaction(ctx.ingest.sessions) as session:
        _job(session, job_id).status = "downloading"
    folder = sentinelhub.download(acquisition, bbox, Path(source), request.get("resolution"))  # type: ignore[arg-type]
    log.info("downloaded %s to %s", acquisition.id, folder)


def run_scene_job(ctx: ScanContext, job_id: int, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Run a scene job in this process (download, every window, finish): ``firegrid scan``'s path."""
    try:
        download_if_needed(ctx, job_id)
        pending = plan_job(ctx, job_id)
        for done, index in enumerate(pending, 1):
            scan_job_window(ctx, job_id, index)
            if progress:
                progress(done, len(pending))
        return finish_job(ctx, job_id)
    except InputError as exc:
        fail_job(ctx, job_id, str(exc))
        raise
