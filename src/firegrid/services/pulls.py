"""Pull once from a source: FIRMS (area API, regional files), Sentinel Hub catalog, watch folders.

Each pull keeps the raw response under ``FIREGRID_HOME/pulls`` and feeds it through the
idempotent ingest (or queues scene jobs), so repeated or overlapping pulls add nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.config import Settings
from firegrid.errors import ConfigError, InputError, NotFoundError
from firegrid.files import confine
from firegrid.firepoints.fields import quiet_values
from firegrid.services.grid import grid_extent
from firegrid.services.ingest import IngestContext, IngestSummary, create_job, run_job
from firegrid.services.scenes import ScanContext, create_scene_job
from firegrid.sources.firms import FirmsClient, TransactionLimiter, clip_csv, day_chunks
from firegrid.sources.http import Retry
from firegrid.sources.models import Config, FirmsArea, FirmsFile, GeoFolder, SentinelHubCatalog, WatchFolder
from firegrid.sources.watch import Entry, ready_entries
from firegrid.store.db import transaction
from firegrid.store.tables import SourceItem, SourceRow

log = logging.getLogger(__name__)

__all__ = ["Config", "RunReport", "SourceContext", "run_source", "source_id"]
_limiter = TransactionLimiter()  # one per process and MAP_KEY is what FIRMS counts


@dataclass
class SourceContext:
    """What running sources needs; ``enqueue_scene`` hands scene jobs to workers (or runs them)."""

    settings: Settings
    ingest: IngestContext
    scan: ScanContext
    enqueue_scene: Callable[[int], None]
    http: httpx.Client = field(default_factory=lambda: httpx.Client(follow_redirects=True))
    retry: Retry = field(default_factory=Retry)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@dataclass
class RunReport:
    """What one run did."""

    summary: IngestSummary = field(default_factory=IngestSummary)
    scenes_queued: int = 0
    slots: int = 0  # geostationary slots processed (new data even when they hold no fire)
    data_time: datetime | None = None  # newest observation seen, fire or not (geostationary slots)
    ingest_jobs: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def missing_credentials(config: Config, settings: Settings) -> str | None:
    """Why a source cannot run with these settings (None: it can)."""
    if isinstance(config, FirmsArea) and settings.firms.map_key is None:
        return "set FIREGRID_FIRMS__MAP_KEY (free at https://firms.modaps.eosdis.nasa.gov/api/map_key/)"
    if isinstance(config, SentinelHubCatalog) and not (
        settings.sentinelhub.client_id and settings.sentinelhub.client_secret
    ):
        return "set FIREGRID_SENTINELHUB__CLIENT_ID and FIREGRID_SENTINELHUB__CLIENT_SECRET"
    return None


def run_source(
    ctx: SourceContext,
    config: Config,
    since: date | None = None,
    until: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    """Pull once (``since``/``until``: a backfill window of days, inclusive)."""
    reason = missing_credentials(config, ctx.settings)
    if reason:
        raise ConfigError(f"source {config.name}: {reason}")
    if isinstance(config, FirmsArea):
        return _pull_firms_area(ctx, config, since, until, progress)
    if isinstance(config, FirmsFile):
        return _pull_firms_file(ctx, config)
    if isinstance(config, SentinelHubCatalog):
        return _poll_sentinelhub(ctx, config, since, until)
    if isinstance(config, WatchFolder):
        return _scan_watch_folder(ctx, config)
    from firegrid.services import geo_pulls  # imports this module

    return geo_pulls.run_geo_source(ctx, config, since, until, progress)


def grid_bbox(ctx: SourceContext, buffer_km: float) -> tuple[float, float, float, float]:
    """The active grid's extent plus a buffer, in WGS84 degrees."""
    return grid_extent(ctx.ingest.sessions, ctx.ingest.grids, buffer_km)


def _firms_client(ctx: SourceContext, config: FirmsArea | FirmsFile) -> FirmsClient:
    key = ctx.settings.firms.map_key.get_secret_value() if ctx.settings.firms.map_key else None
    retry = Retry(config.max_attempts, ctx.retry.base_s, ctx.retry.cap_s, ctx.retry.sleep, ctx.retry.rng)
    return FirmsClient(ctx.settings.firms.base_url, key, ctx.http, retry, _limiter, config.timeout_s)


def _pull_firms_area(
    ctx: SourceContext,
    config: FirmsArea,
    since: date | None,
    until: date | None,
    progress: Callable[[int, int], None] | None,
) -> RunReport:
    client = _firms_client(ctx, config)
    bbox = config.bbox or grid_bbox(ctx, config.buffer_km)
    windows: list[tuple[date | None, int]] = (
        list(day_chunks(since, until)) if since and until else [(None, config.day_range)]
    )
    report = RunReport()
    total = len(windows) * len(config.products)
    for i, (product, (start, days)) in enumerate((p, w) for p in config.products for w in windows):
        text = client.area(product, bbox, days, start)
        label = f"firms:{product}:{start or 'latest'}:{days}d"
        _ingest_text(ctx, config.name, label, text, report)
        if progress:
            progress(i + 1, total)
    return report


def _pull_firms_file(ctx: SourceContext, config: FirmsFile) -> RunReport:
    client = _firms_client(ctx, config)
    bbox = config.bbox or grid_bbox(ctx, config.buffer_km)
    report = RunReport()
    for product in config.products:
        text = clip_csv(client.regional(product, config.region, config.window), bbox)
        _ingest_text(ctx, config.name, f"firms-file:{product}:{config.region}:{config.window}", text, report)
    return report


def _ingest_text(ctx: SourceContext, source: str, label: str, text: str, report: RunReport) -> None:
    """Keep the response as a file, ingest it as a job (idempotent by detection)."""
    stamp = ctx.clock().strftime("%Y%m%dT%H%M%S")
    digest = hashlib.sha256(text.encode()).hexdigest()
    folder = ctx.settings.pulls_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stamp}_{label.replace(':', '_')}_{digest[:8]}.csv"
    path.write_text(text, encoding="utf-8")
    with transaction(ctx.ingest.sessions) as session:
        job = create_job(session, path, filename=label, sha256=digest, submitted_by=f"source:{source}")
    report.summary = report.summary.add(run_job(ctx.ingest, job.id))
    report.ingest_jobs.append(job.id)


def _poll_sentinelhub(
    ctx: SourceContext, config: SentinelHubCatalog, since: date | None, until: date | None
) -> RunReport:
    from firegrid.imagery.sentinelhub import SentinelHubSource

    source = SentinelHubSource(ctx.settings.sentinelhub)
    bbox = config.bbox or grid_bbox(ctx, 0.0)
    now = ctx.clock()
    start = (
        datetime.combine(since, datetime.min.time(), UTC)
        if since
        else now - timedelta(days=config.lookback_days)
    )
    end = datetime.combine(until, datetime.max.time(), UTC) if until else now
    report = RunReport()
    for collection in config.collections:
        for hit in source.search(collection, bbox, start, end, config.max_cloud):
            job_id = _take_once(
                ctx,
                config.name,
                f"{collection}:{hit.id}",
                partial(_scene_job_for, ctx, config=config, collection=collection, bbox=bbox, hit=hit),
            )
            if job_id is not None:
                ctx.enqueue_scene(job_id)
                report.scenes_queued += 1
                report.notes.append(f"scene job #{job_id} for {hit.id}")
    return report


def _folder_scene_job(session: Session, *, path: Path, source: str) -> int:
    return create_scene_job(session, str(path), submitted_by=f"source:{source}").id


def _scene_job_for(
    ctx: SourceContext,
    session: Session,
    config: SentinelHubCatalog,
    collection: str,
    bbox: tuple[float, float, float, float],
    hit: Any,
) -> int:
    request = {
        "collection": collection,
        "bbox": list(bbox),
        "acquisition_id": hit.id,
        "datetime": hit.datetime.isoformat(),
        "cloud_cover": hit.cloud_cover,
        "start": hit.datetime.isoformat(),
        "end": hit.datetime.isoformat(),
        "max_cloud": config.max_cloud,
    }
    folder = ctx.settings.scenes_dir / f"{config.name}-{hashlib.sha1(hit.id.encode()).hexdigest()[:12]}"
    return create_scene_job(session, str(folder), request=request, submitted_by=f"source:{config.name}").id


def _take_once(ctx: SourceContext, source: str, key: str, make_job: Callable[[Session], int]) -> int | None:
    """Run ``make_job`` unless this source took ``key`` before; returns the new job id."""
    with transaction(ctx.ingest.sessions) as session:
        sid = source_id(session, source)
        known = session.scalars(
            select(SourceItem).where(SourceItem.source_id == sid, SourceItem.key == key)
        ).first()
        if known is not None:
            return None
        job_id = make_job(session)
        session.add(SourceItem(source_id=sid, key=key, job_kind="scene", job_id=job_id))
        return job_id


def watch_folder(config: WatchFolder | GeoFolder, settings: Settings) -> Path:
    """The folder a watch-folder source reads (relative paths are under ``FIREGRID_HOME``), confined
    to the data roots after following links; checked when the source is configured and at every scan."""
    folder = config.path if config.path.is_absolute() else settings.home / config.path
    return confine(folder, settings.data_roots(), f"watch folder of source {config.name}")


def _scan_watch_folder(ctx: SourceContext, config: WatchFolder) -> RunReport:
    report = RunReport()
    folder = watch_folder(config, ctx.settings)
    if not folder.is_dir():
        raise InputError(f"watch folder {folder} does not exist")
    now = ctx.clock().timestamp()
    with quiet_values():  # files found on the server: errors never quote their cells
        for entry in ready_entries(folder, config.settle_s, now, ctx.settings.data_roots()):
            _take_entry(ctx, config, entry, report)
    return report


def _take_entry(ctx: SourceContext, config: WatchFolder, entry: Entry, report: RunReport) -> None:
    key = f"{entry.path}:{entry.size}:{entry.mtime_ns}"
    with ctx.ingest.sessions() as session:
        sid = source_id(session, config.name)
        if session.scalars(
            select(SourceItem).where(SourceItem.source_id == sid, SourceItem.key == key)
        ).first():
            return
    if entry.kind == "points":
        _ingest_watched(ctx, config.name, entry.path, key, report)
        return
    job_id = _take_once(
        ctx, config.name, key, partial(_folder_scene_job, path=entry.path, source=config.name)
    )
    if job_id is not None:
        ctx.enqueue_scene(job_id)
        report.scenes_queued += 1


def _ingest_watched(ctx: SourceContext, source: str, path: Path, key: str, report: RunReport) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with transaction(ctx.ingest.sessions) as session:
        sid = source_id(session, source)
        job = create_job(session, path, filename=str(path), sha256=digest, submitted_by=f"source:{source}")
        session.add(SourceItem(source_id=sid, key=key, job_kind="ingest", job_id=job.id))
    report.summary = report.summary.add(run_job(ctx.ingest, job.id))
    report.ingest_jobs.append(job.id)


def source_id(session: Session, name: str) -> int:
    """The id of a source row by name, or ``NotFoundError``."""
    found = session.scalar(select(SourceRow.id).where(SourceRow.name == name))
    if found is None:
        raise NotFoundError(f"no source {name!r}")
    return int(found)
