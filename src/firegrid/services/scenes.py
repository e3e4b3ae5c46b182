"""Scene jobs: register a scene, scan its windows (in parallel, each once), ingest its fire points."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.config import SentinelHubSettings
from firegrid.detect.satellite.base import SceneDetector
from firegrid.detect.satellite.points import FirePixels
from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.scan import finish_scan, scan_window, to_detections
from firegrid.errors import InputError, NotFoundError
from firegrid.files import confine
from firegrid.imagery.open import open_scene
from firegrid.imagery.scene import Scene
from firegrid.imagery.sentinelhub import Acquisition, SentinelHubSource
from firegrid.imagery.windows import SceneReader, plan_windows
from firegrid.services.ingest import IngestContext, ingest_detections
from firegrid.services.ownership import job_owner
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


def _open(ctx: ScanContext, job: SceneJob) -> tuple[Scene, SceneDetector]:
    scene = open_scene(
        Path(job.source),
        job.sensor.replace("landsat8", "landsat").replace("landsat9", "landsat"),
        ctx.s2_offset,
        roots=ctx.roots,
    )
    return scene, make_detector(scene.sensor, ctx.models_dir, job.detector)


def plan_job(ctx: ScanContext, job_id: int) -> list[int]:
    """Open the scene, record its windows; returns the indexes still to scan."""
    with transaction(ctx.ingest.sessions) as session:
        job = _job(session, job_id)
        if job.status == "done":
            return []
        scene, _ = _open(ctx, job)
        specs = plan_windows(scene.height, scene.width, ctx.window_size)
        known = set(session.scalars(select(SceneWindow.idx).where(SceneWindow.job_id == job_id)))
        session.add_all(
            [SceneWindow(job_id=job_id, idx=s.index, status="pending") for s in specs if s.index not in known]
        )
        job.status, job.scene_id, job.windows_total, job.updated_at = (
            "scanning",
            scene.scene_id,
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
            scene, detector = _open(ctx, job)
            spec = plan_windows(scene.height, scene.width, ctx.window_size)[index]
            with SceneReader(scene) as reader:
                pixels = scan_window(reader, detector, spec)
            row.pixels = _pixels_json(pixels)
            row.status, row.updated_at = "done", utcnow()
            session.commit()
        remaining = session.scalar(
            select(func.count()).where(SceneWindow.job_id == job_id, SceneWindow.status != "done")
        )
        return remaining == 0


def finish_job(ctx: ScanContext, job_id: int) -> dict[str, Any]:
    """Cluster all windows' pixels, ingest the fire points, store the summary (once)."""
    with ctx.ingest.sessions() as session:
        job = _job(session, job_id)
        if job.status == "done":
            return dict(job.summary)
        scene, detector = _open(ctx, job)
        parts = [
            _pixels_from_json(w.pixels)
            for w in session.scalars(
                select(SceneWindow).where(SceneWindow.job_id == job_id).order_by(SceneWindow.idx)
            )
        ]
    result = finish_scan(scene, detector.describe(), FirePixels.concat(parts), job.windows_total, 0.0)
    summary = result.summary()
    if scene.acquired_at is None:
        summary["notes"].append("not ingested: the scene has no acquisition time")
    elif result.clusters:
        ingested = ingest_detections(ctx.ingest, to_detections(result), label=scene.scene_id)
        summary["ingest"] = ingested.model_dump(mode="json")
    with transaction(ctx.ingest.sessions) as session:
        job = _job(session, job_id)
        job.status, job.summary, job.finished_at, job.updated_at = "done", summary, utcnow(), utcnow()
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


def _pixels_json(p: FirePixels) -> dict[str, list[Any]]:
    return {
        "rows": p.rows.tolist(),
        "cols": p.cols.tolist(),
        "confidence": p.confidence.tolist(),
        "saturated": p.saturated.tolist(),
        "swir": [None if np.isnan(v) else float(v) for v in p.swir],
    }


def _pixels_from_json(data: dict[str, list[Any]]) -> FirePixels:
    if not data:
        return FirePixels.empty()
    return FirePixels(
        np.asarray(data["rows"], np.int64),
        np.asarray(data["cols"], np.int64),
        np.asarray(data["confidence"], np.uint8),
        np.asarray(data["saturated"], bool),
        np.asarray([np.nan if v is None else v for v in data["swir"]], np.float32),
    )


def download_if_needed(ctx: ScanContext, job_id: int) -> None:
    """For a Sentinel Hub job: search the acquisition, download its bands (once), then scan them."""
    with ctx.ingest.sessions() as session:
        job = _job(session, job_id)
        request, source = dict(job.request), job.source
    if not request or (Path(source) / "scene.json").is_file():  # scene.json is written last
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


def run_scene_job(ctx: ScanContext, job_id: int) -> dict[str, Any]:
    """Run a scene job in this process (download, every window, finish): the CLI's path."""
    try:
        download_if_needed(ctx, job_id)
        for index in plan_job(ctx, job_id):
            scan_job_window(ctx, job_id, index)
        return finish_job(ctx, job_id)
    except InputError as exc:
        fail_job(ctx, job_id, str(exc))
        raise
