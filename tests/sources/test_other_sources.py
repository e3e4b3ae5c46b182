"""Sentinel Hub catalog polling and watch folders."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from firegrid import sample
from firegrid.services.scenes import run_scene_job
from firegrid.services.sources import run_scheduled, upsert_source
from firegrid.sources.models import SentinelHubCatalog, WatchFolder
from firegrid.sources.watch import ready_entries
from firegrid.store.db import transaction
from firegrid.store.tables import SceneJob, SourceRow
from firegrid.worker.context import Runtime
from tests.imagery.fake_sentinelhub import FakeSentinelHub
from tests.services.test_scenes import xinzhou_scene


@pytest.fixture
def fake_sh(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSentinelHub]:
    from sentinelhub import SentinelHubDownloadClient

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    SentinelHubDownloadClient.clear_cache()
    with FakeSentinelHub() as server:
        yield server
    SentinelHubDownloadClient.clear_cache()


def test_catalog_poll_queues_each_acquisition_once(grid_runtime: Runtime, fake_sh: FakeSentinelHub) -> None:
    s = grid_runtime.settings
    s.sentinelhub.client_id, s.sentinelhub.client_secret = "id", SecretStr("secret")
    s.sentinelhub.base_url, s.sentinelhub.token_url = fake_sh.url, f"{fake_sh.url}/oauth/token"
    s.sentinelhub.sleep_s = 0.01
    with transaction(grid_runtime.sessions) as session:
        upsert_source(
            session,
            SentinelHubCatalog(name="s2", max_cloud=30, bbox=(112.50, 38.50, 112.56, 38.55)),
            grid_runtime.settings,
        )
    ran: list[dict[str, object]] = []
    ctx = grid_runtime.sources(lambda job_id: ran.append(run_scene_job(grid_runtime.scan, job_id)))
    ctx.clock = lambda: datetime(2024, 10, 30, tzinfo=UTC)
    first = run_scheduled(ctx, "s2")
    assert first is not None and first.scenes_queued == 2  # the fake lists two acquisitions
    assert run_scheduled(ctx, "s2").scenes_queued == 0  # type: ignore[union-attr]  # each only once
    assert [len(r["fire_points"]) for r in ran] == [1, 1]  # type: ignore[arg-type]
    with grid_runtime.sessions() as session:
        jobs = session.scalars(select(SceneJob).order_by(SceneJob.id)).all()
        health = session.scalars(select(SourceRow)).one()
    assert [j.status for j in jobs] == ["done", "done"]
    assert {j.request["acquisition_id"][:3] for j in jobs} == {"S2A", "S2B"}
    assert health.last_new_data_at is not None and health.consecutive_failures == 0


def test_ready_entries_wait_for_files_to_settle(tmp_path: Path) -> None:
    done = tmp_path / "a.csv"
    done.write_text("x")
    fresh = tmp_path / "b.csv"
    fresh.write_text("y")
    now = time.time()
    os.utime(done, (now - 60, now - 60))
    (tmp_path / "notes.doc").write_text("z")
    (tmp_path / "scene").mkdir()
    (tmp_path / "half-scene").mkdir()
    (tmp_path / "scene" / "READY").write_text("")
    entries = list(ready_entries(tmp_path, settle_s=10, now=now))
    assert [(e.path.name, e.kind) for e in entries] == [("a.csv", "points"), ("scene", "scene")]


def test_watch_folder_ingests_files_once_and_queues_scenes(grid_runtime: Runtime) -> None:
    inbox = grid_runtime.settings.home / "inbox"
    inbox.mkdir(parents=True)
    with transaction(grid_runtime.sessions) as session:
        upsert_source(
            session, WatchFolder(name="inbox", path=Path("inbox"), settle_s=0), grid_runtime.settings
        )
    queued: list[int] = []
    ctx = grid_runtime.sources(queued.append)
    (inbox / "bulletin.csv").write_bytes(sample.path(sample.FIRE_POINTS).read_bytes())
    xinzhou_scene(inbox / "LC09_SYNTH")
    first = run_scheduled(ctx, "inbox")
    assert first is not None and first.summary.new == 28 and first.scenes_queued == 0  # no READY yet
    (inbox / "LC09_SYNTH" / "READY").write_text("")
    second = run_scheduled(ctx, "inbox")
    assert second is not None and second.summary.read == 0 and second.scenes_queued == 1 and len(queued) == 1
    assert run_scheduled(ctx, "inbox").scenes_queued == 0  # type: ignore[union-attr]


def test_missing_watch_folder_is_a_failure_not_a_crash(runtime: Runtime) -> None:
    from firegrid.errors import InputError

    with transaction(runtime.sessions) as session:
        upsert_source(session, WatchFolder(name="gone", path=Path("inbox/gone")), runtime.settings)
    with pytest.raises(InputError, match="does not exist"):
        run_scheduled(runtime.sources(lambda _: None), "gone")
    with runtime.sessions() as session:
        assert session.scalars(select(SourceRow)).one().consecutive_failures == 1


FIRMS_HEADER = "latitude,longitude,brightness,acq_date,acq_time,satellite,instrument,confidence\n"


def test_watch_folder_scans_stay_in_the_roots_and_never_quote_cells(
    grid_runtime: Runtime, tmp_path: Path
) -> None:
    """Before: a watch folder read links out of it (and any folder at all) and quoted cells in errors."""
    from firegrid.errors import UnsafeFileError

    inbox, outside = grid_runtime.settings.home / "inbox", tmp_path / "outside"
    inbox.mkdir(parents=True)
    (outside / "scene").mkdir(parents=True)
    (outside / "scene" / "READY").write_text("")
    (outside / "secret.csv").write_text(FIRMS_HEADER + "38.4,112.7,330,2024-10-28,0544,N,VIIRS,n\n")
    (inbox / "linked.csv").symlink_to(outside / "secret.csv")
    (inbox / "linked-scene").symlink_to(outside / "scene", target_is_directory=True)
    (inbox / "bad.csv").write_text(FIRMS_HEADER + "38.4,TOP-SECRET-CELL,330,2024-10-28,0544,N,VIIRS,n\n")
    with transaction(grid_runtime.sessions) as session:
        upsert_source(
            session, WatchFolder(name="inbox", path=Path("inbox"), settle_s=0), grid_runtime.settings
        )
        session.add(  # stored before paths were confined: refused when it runs
            SourceRow(
                name="old",
                kind="watch_folder",
                config={"name": "old", "kind": "watch_folder", "path": str(outside)},
            )
        )
    ctx = grid_runtime.sources(lambda _: None)
    report = run_scheduled(ctx, "inbox")
    assert report is not None and report.scenes_queued == 0 and report.summary.read == 1  # bad.csv only
    assert [e.message for e in report.summary.errors] == ["longitude is not a number: (value withheld)"]
    with pytest.raises(UnsafeFileError, match="must lie under"):
        run_scheduled(ctx, "old")
