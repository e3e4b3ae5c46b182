"""Geostationary sources: Himawari-9 segments from a bucket, and L1 files dropped into a folder.

Each slot is taken once (a ``source_items`` row per slot, written after it was ingested), oldest
first, so the temporal background learns in time order. A slot whose files are not all in the
bucket yet is left for the next run; a slot that cannot be read is reported as an error and taken,
so one bad slot never blocks the ones after it.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from firegrid.errors import InputError
from firegrid.services.geostationary import GeoContext, SlotReport, process_slot
from firegrid.services.ingest import IngestErrorItem, IngestSummary
from firegrid.services.pulls import RunReport, SourceContext, source_id, watch_folder
from firegrid.sources.geo_watch import ready_slots
from firegrid.sources.himawari import BucketClient, segments_for_bbox, slot_prefix
from firegrid.sources.http import Retry
from firegrid.sources.models import GeoFolder, Himawari
from firegrid.store.db import transaction
from firegrid.store.tables import SourceItem

log = logging.getLogger(__name__)


def geo_context(ctx: SourceContext, bbox: tuple[float, float, float, float] | None = None) -> GeoContext:
    """The slot-processing context of a source run (its own bbox wins over the settings')."""
    settings = ctx.settings.geostationary
    if bbox is not None:
        settings = settings.model_copy(update={"bbox": bbox})
    return GeoContext(ctx.ingest, settings, ctx.settings.geostationary_dir)


def run_geo_source(
    ctx: SourceContext,
    config: Himawari | GeoFolder,
    since: date | None,
    until: date | None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    """One run of a geostationary source (``since``/``until``: a backfill window of days)."""
    if isinstance(config, Himawari):
        return _pull_himawari(ctx, config, since, until, progress)
    return _scan_geo_folder(ctx, config)


def _taken(ctx: SourceContext, source: str, key: str) -> bool:
    with ctx.ingest.sessions() as session:
        sid = source_id(session, source)
        return (
            session.scalars(
                select(SourceItem).where(SourceItem.source_id == sid, SourceItem.key == key)
            ).first()
            is not None
        )


def _remember(ctx: SourceContext, source: str, key: str, job_id: int | None) -> None:
    with transaction(ctx.ingest.sessions) as session:
        session.add(
            SourceItem(source_id=source_id(session, source), key=key, job_kind="ingest", job_id=job_id)
        )


def _record(report: RunReport, slot: SlotReport, when: datetime) -> None:
    report.summary = report.summary.add(slot.summary)
    report.slots += 1
    report.data_time = max(filter(None, (report.data_time, when)))
    if slot.ingest_job is not None:
        report.ingest_jobs.append(slot.ingest_job)
    report.notes.append(f"{slot.label}: {slot.detection['fire_pixels']} fire pixels")


def _failed(report: RunReport, label: str, exc: Exception) -> None:
    report.summary = report.summary.add(
        IngestSummary(errors=[IngestErrorItem(file=label, line=None, message=str(exc))])
    )
    report.notes.append(f"{label}: {exc}")


def _slot_times(
    client: BucketClient, config: Himawari, now: datetime, since: date | None, until: date | None
) -> list[datetime]:
    if since is not None and until is not None:
        days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
        return [t for day in days for t in client.slots_of_day(day)]
    recent = client.slots_of_day((now - timedelta(days=1)).date()) + client.slots_of_day(now.date())
    return recent[-config.lookback_slots :]


def _pull_himawari(
    ctx: SourceContext,
    config: Himawari,
    since: date | None,
    until: date | None,
    progress: Callable[[int, int], None] | None,
) -> RunReport:
    retry = Retry(config.max_attempts, ctx.retry.base_s, ctx.retry.cap_s, ctx.retry.sleep, ctx.retry.rng)
    client = BucketClient(config.base_url, ctx.http, retry, config.timeout_s)
    geo = geo_context(ctx, config.bbox)
    area = geo.area(required=True)
    assert area is not None
    segments = segments_for_bbox(area, config.sub_lon)
    report = RunReport()
    times = _slot_times(client, config, ctx.clock(), since, until)
    for i, when in enumerate(times):
        key = f"slot:{when:%Y%m%dT%H%M}"
        if not _taken(ctx, config.name, key):
            _himawari_slot(ctx, config, client, geo, when, key, segments, report)
        if progress:
            progress(i + 1, len(times))
    return report


def _himawari_slot(
    ctx: SourceContext,
    config: Himawari,
    client: BucketClient,
    geo: GeoContext,
    when: datetime,
    key: str,
    segments: list[int],
    report: RunReport,
) -> None:
    files = client.slot_files(when, config.bands, segments)
    have = {(f.band, f.segment) for f in files}
    missing = sorted({(b, s) for b in config.bands for s in segments} - have)
    if missing:  # still arriving (or never will: the next run asks again)
        report.notes.append(
            f"{slot_prefix(when)}: waiting for {len(missing)} of {len(config.bands) * len(segments)} files"
        )
        return
    folder = ctx.settings.geostationary_dir / "downloads" / config.name / f"{when:%Y%m%dT%H%M}"
    paths = [client.download(item, folder) for item in files]
    try:
        slot = process_slot(geo, paths, reader="ahi_hsd", submitted_by=f"source:{config.name}")
    except InputError as exc:
        _failed(report, slot_prefix(when), exc)
        _remember(ctx, config.name, key, None)
        return
    finally:
        if not config.keep_files:
            shutil.rmtree(folder, ignore_errors=True)
    _record(report, slot, when)
    _remember(ctx, config.name, key, slot.ingest_job)


def _scan_geo_folder(ctx: SourceContext, config: GeoFolder) -> RunReport:
    folder = watch_folder(config, ctx.settings)  # under the data roots, checked at every scan
    if not folder.is_dir():
        raise InputError(f"watch folder {folder} does not exist")
    geo = geo_context(ctx)
    report = RunReport()
    roots = ctx.settings.data_roots()
    for slot_files in ready_slots(folder, config.settle_s, ctx.clock().timestamp(), roots):
        if _taken(ctx, config.name, slot_files.key):
            continue
        label = f"{slot_files.reader} {slot_files.start:%Y-%m-%dT%H:%M:%SZ}"
        try:
            slot = process_slot(
                geo, list(slot_files.paths), reader=slot_files.reader, submitted_by=f"source:{config.name}"
            )
        except InputError as exc:
            _failed(report, label, exc)
            _remember(ctx, config.name, slot_files.key, None)
            continue
        _record(report, slot, slot_files.start)
        _remember(ctx, config.name, slot_files.key, slot.ingest_job)
    return report
