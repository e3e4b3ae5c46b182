"""Scene jobs through the services: windows once each, the same points as a direct scan, ingested."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from firegrid.detect.dust.params import DustParams
from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.detect.satellite.scan import scan_scene
from firegrid.detect.scene_pass import BARE_SOIL, FIRE, ScanRequest, open_plan, run_plan
from firegrid.imagery.open import open_scene
from firegrid.services.scenes import (
    ScanContext,
    create_scene_job,
    finish_job,
    plan_job,
    scan_job_window,
    scan_options,
)
from firegrid.store.db import transaction
from firegrid.store.tables import DetectionRow, SceneWindow
from firegrid.worker.context import Runtime
from tests.imagery.helpers import sentinel2_folder, synthetic_landsat, write_band


def xinzhou_scene(folder: Path) -> Path:
    """A synthetic Landsat scene over Xinzhou (UTM 49N) with fires, and a sidecar with its time."""
    bands = synthetic_landsat((200, 200), [(50, 50), (120, 60), (60, 150), (150, 150)])
    for name, data in bands.items():
        write_band(folder / f"{name}.tif", data, x0=440_000, y0=4_280_000)
    (folder / "scene.json").write_text(
        '{"scene_id": "LC09_SYNTH", "platform": "Landsat-9", "acquired_at": "2024-10-28T03:05:00+00:00",'
        ' "reflectance": "uncorrected"}'
    )
    return folder


def test_job_equals_direct_scan_and_runs_each_window_once(grid_runtime: Runtime, tmp_path: Path) -> None:
    folder = xinzhou_scene(tmp_path / "scene")
    ctx = ScanContext(grid_runtime.ingest, default_models_dir(), window_size=64)
    with transaction(grid_runtime.sessions) as session:
        job = create_scene_job(session, str(folder))
    pending = plan_job(ctx, job.id)
    assert pending == list(range(16))
    assert plan_job(ctx, job.id) == pending  # planning twice adds nothing
    done = [scan_job_window(ctx, job.id, i) for i in pending]
    assert done[-1] and not any(done[:-1])
    assert scan_job_window(ctx, job.id, 3)  # a redelivered window is a no-op
    summary = finish_job(ctx, job.id)
    assert finish_job(ctx, job.id) == summary  # once
    scene = open_scene(folder)
    direct = scan_scene(scene, make_detector("landsat", default_models_dir()), window_size=64)
    assert summary["fire_pixels"] == len(direct.pixels) > 0
    assert [p["lon"] for p in summary["fire_points"]] == [round(float(x), 6) for x in direct.lon]
    assert summary["ingest"]["new"] == len(direct.clusters)
    with grid_runtime.sessions() as session:
        rows = session.scalars(
            select(DetectionRow).where(DetectionRow.source_kind == "satellite_scene")
        ).all()
        assert {r.sensor for r in rows} == {"OLI"} and {r.platform for r in rows} == {"Landsat-9"}
        assert all(r.observed_at == datetime(2024, 10, 28, 3, 5, tzinfo=UTC) for r in rows)
        assert all(r.detector == "landsat-schroeder2016" and r.footprint_m >= 30 for r in rows)
        assert {r.status for r in rows} <= {"routed", "unrouted", "suppressed"}
        windows = session.scalar(
            select(func.count()).select_from(SceneWindow).where(SceneWindow.job_id == job.id)
        )
    assert windows == 16
    assert np.isfinite([r.lat for r in rows]).all()


def test_fire_and_bare_soil_job_equals_one_pass_and_cleans_up(grid_runtime: Runtime, tmp_path: Path) -> None:
    """A Sentinel-2 job with both detectors, window by window as a worker runs it: the results of
    ``run_plan`` on the same scene; the bare-soil windows wait in files that the finish removes."""
    folder = sentinel2_folder(tmp_path / "s2")
    work = tmp_path / "work"
    ctx = ScanContext(grid_runtime.ingest, default_models_dir(), window_size=64, work_dir=work)
    options = scan_options([FIRE, BARE_SOIL], acquired_at=datetime(2024, 4, 10, 3, 0, tzinfo=UTC))
    with transaction(grid_runtime.sessions) as session:
        job = create_scene_job(session, str(folder), request={"scan": options})
    pending = plan_job(ctx, job.id)
    assert pending == list(range(6))  # full-width strips of 27 rows at 20 m
    for i in pending:
        scan_job_window(ctx, job.id, i)
    assert len(list((work / f"scene-{job.id}").glob("window-*.npz"))) == 6
    summary = finish_job(ctx, job.id)
    assert not (work / f"scene-{job.id}").exists()
    request = ScanRequest(folder, detectors=(FIRE, BARE_SOIL), window_size=64)
    direct = run_plan(open_plan(request, default_models_dir(), -1000, DustParams()))
    assert direct.fire is not None and direct.dust is not None
    assert summary["fire_pixels"] == len(direct.fire.pixels) > 0
    assert (
        summary["dust_patches"] == [p.as_dict() for p in direct.dust.patches]
        and len(direct.dust.patches) == 1
    )
    assert summary["dust"]["thresholds"] == direct.dust.thresholds.as_dict()
    assert summary["ingest"]["new"] == len(direct.fire.clusters) and summary["dust"]["ingest"]["new"] == 1
    with grid_runtime.sessions() as session:
        dust = session.scalars(select(DetectionRow).where(DetectionRow.hazard == "dust")).all()
    assert len(dust) == 1 and dust[0].detector == "bare-soil-indices"
