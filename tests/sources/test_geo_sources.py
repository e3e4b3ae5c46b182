"""Himawari-9 through the real httpx client against a local S3-style bucket, and a FY-4B watch folder."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from firegrid.errors import SourceUnavailableError
from firegrid.services.pulls import SourceContext
from firegrid.services.sources import backfill, run_scheduled, upsert_source
from firegrid.sources.geo_watch import ready_slots, slot_of
from firegrid.sources.himawari import segments_for_bbox, slot_prefix
from firegrid.sources.http import Retry
from firegrid.sources.models import GeoFolder, Himawari
from firegrid.store.db import transaction
from firegrid.store.tables import SourceRow, TaskRow
from firegrid.worker.context import Runtime
from tests.imagery import geo_files
from tests.sources.fake_bucket import Bucket, FakeBucket

DAY = date(2025, 10, 24)
SLOTS = [datetime(2025, 10, 24, 7, 40, tzinfo=UTC) + timedelta(minutes=10 * i) for i in range(3)]
FIRE = (112.62, 38.58, 25.0)  # burning in the last slot only
AREA = (111.9, 38.1, 113.3, 39.1)


@pytest.fixture(scope="module")
def bucket_objects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Three slots of B07/B14 segment 2 as bz2 files, plus files the source must not fetch."""
    folder = tmp_path_factory.mktemp("bucket")
    objects: dict[str, bytes] = {}
    for when in SLOTS:
        fires = [FIRE] if when == SLOTS[-1] else []
        for path in geo_files.ahi_slot(folder, when, [2], fires, bands=("B07", "B14"), compress=True):
            objects[slot_prefix(when) + path.name] = path.read_bytes()
        for decoy in ("B13_FLDK_R20_S0110", "B07_FLDK_R20_S0510", "B14_FLDK_R20_S0110"):
            objects[f"{slot_prefix(when)}HS_H09_{when:%Y%m%d_%H%M}_{decoy}.DAT.bz2"] = b"not fetched"
    objects["AHI-L1b-FLDK/2025/10/23/2350/README"] = b"yesterday"
    return objects


@pytest.fixture
def fake(bucket_objects: dict[str, bytes]) -> Iterator[FakeBucket]:
    with FakeBucket(Bucket(dict(bucket_objects), page_size=3)) as server:
        yield server


@pytest.fixture
def ctx(grid_runtime: Runtime) -> SourceContext:
    grid_runtime.settings.geostationary.bbox = AREA
    context = grid_runtime.sources(lambda job_id: None)
    context.retry = Retry(attempts=3, base_s=0.01, sleep=lambda s: None)
    context.clock = lambda: SLOTS[-1] + timedelta(minutes=12)
    return context


def add(runtime: Runtime, config: Himawari | GeoFolder) -> None:
    with transaction(runtime.sessions) as session:
        upsert_source(session, config, runtime.settings)


def source_row(runtime: Runtime, name: str) -> SourceRow:
    with runtime.sessions() as session:
        return session.scalars(select(SourceRow).where(SourceRow.name == name)).one()


def test_xinzhou_needs_one_segment() -> None:
    assert segments_for_bbox(AREA) == [2]
    assert segments_for_bbox((100.0, 20.0, 130.0, 50.0)) == [1, 2, 3, 4]


def test_himawari_takes_the_newest_slots_in_order_once(
    ctx: SourceContext, grid_runtime: Runtime, fake: FakeBucket
) -> None:
    add(grid_runtime, Himawari(name="h9", base_url=fake.url, bands=["B07", "B14"], lookback_slots=3))
    first = run_scheduled(ctx, "h9")
    assert first is not None and first.slots == 3 and first.summary.errors == []
    assert first.summary.new == 1 and first.summary.tasks_new == 1  # the fire of the last slot
    fetched = [c for c in fake.bucket.calls if c.startswith("get ")]
    assert len(fetched) == 6 and all(
        "_S0210.DAT.bz2" in c and ("_B07_" in c or "_B14_" in c) for c in fetched
    )
    assert "list AHI-L1b-FLDK/2025/10/24/" in fake.bucket.calls  # the day's slot folders, paged
    health = source_row(grid_runtime, "h9")
    assert health.consecutive_failures == 0 and health.last_data_time == SLOTS[-1]
    assert health.last_summary["slots"] == 3
    assert not any((grid_runtime.settings.geostationary_dir / "downloads" / "h9").glob("*/*.bz2"))
    second = run_scheduled(ctx, "h9")
    assert second is not None and second.slots == 0 and second.summary.new == 0  # each slot once
    with grid_runtime.sessions() as session:
        task = session.scalars(select(TaskRow)).one()
    assert task.source_kind == "satellite_geo"


def test_backfill_retries_a_server_error_and_is_idempotent(
    ctx: SourceContext, grid_runtime: Runtime, fake: FakeBucket
) -> None:
    add(grid_runtime, Himawari(name="h9", base_url=fake.url, bands=["B07", "B14"], lookback_slots=1))
    fake.bucket.error_once = True
    report = backfill(ctx, "h9", DAY, DAY)
    assert report.slots == 3 and report.summary.new == 1 and report.summary.errors == []
    assert fake.bucket.calls[0] == fake.bucket.calls[1]  # the 500 was retried
    again = backfill(ctx, "h9", DAY, DAY)
    assert again.slots == 0 and again.summary.new == 0


def test_a_slot_still_arriving_is_taken_by_a_later_run(
    ctx: SourceContext, grid_runtime: Runtime, fake: FakeBucket
) -> None:
    last_b14 = next(
        k for k in fake.bucket.objects if k.startswith(slot_prefix(SLOTS[-1])) and "_B14_FLDK_R20_S0210" in k
    )
    held = fake.bucket.objects.pop(last_b14)
    add(grid_runtime, Himawari(name="h9", base_url=fake.url, bands=["B07", "B14"], lookback_slots=1))
    first = run_scheduled(ctx, "h9")
    assert (
        first is not None and first.slots == 0 and any("waiting for 1 of 2 files" in n for n in first.notes)
    )
    fake.bucket.objects[last_b14] = held
    second = run_scheduled(ctx, "h9")
    assert second is not None and second.slots == 1 and second.summary.tasks_new == 1


def test_an_unreachable_bucket_fails_the_run_and_counts(ctx: SourceContext, grid_runtime: Runtime) -> None:
    add(
        grid_runtime, Himawari(name="h9", base_url="http://127.0.0.1:9", bands=["B07", "B14"], max_attempts=2)
    )
    with pytest.raises(SourceUnavailableError, match="gave up after 2 attempts"):
        run_scheduled(ctx, "h9")
    assert source_row(grid_runtime, "h9").consecutive_failures == 1


def test_geo_folder_takes_a_settled_fy4b_slot_once(ctx: SourceContext, grid_runtime: Runtime) -> None:
    inbox = grid_runtime.settings.home / "geo-inbox" / "cmacast"  # under a data root
    inbox.mkdir(parents=True)
    add(grid_runtime, GeoFolder(name="fy4b", path=Path("geo-inbox/cmacast"), settle_s=5))
    when = datetime(2025, 10, 24, 8, 0, tzinfo=UTC)
    path = geo_files.agri_slot(inbox, when, (112.6, 38.6), [(112.62, 38.58, 30.0)])
    (
        inbox / "FY4B-_AGRI--_N_DISK_1050E_L1-_FDI-_MULT_NOM_20251024081500_20251024082959_4000M_V0001.HDF"
    ).write_bytes(b"broken")
    (inbox / "notes.txt").write_text("ignored")
    ctx.clock = lambda: datetime.fromtimestamp(time.time(), UTC)
    assert run_scheduled(ctx, "fy4b").slots == 0  # type: ignore[union-attr]  # not settled yet
    old = time.time() - 60
    for p in inbox.iterdir():
        os.utime(p, (old, old))
    report = run_scheduled(ctx, "fy4b")
    assert report is not None and report.slots == 1 and report.summary.tasks_new == 1
    assert len(report.summary.errors) == 1 and "081500" in report.summary.errors[0].file.replace(":", "")
    assert slot_of(path) == ("agri_fy4b_l1", when)
    assert [s.reader for s in ready_slots(inbox, 5, time.time())] == ["agri_fy4b_l1", "agri_fy4b_l1"]
    again = run_scheduled(ctx, "fy4b")
    assert again is not None and again.slots == 0 and again.summary.errors == []
