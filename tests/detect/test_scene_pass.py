"""Fire and bare soil in one pass: the results of two separate scans, with each band region read once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from firegrid.detect.dust.baresoil import BareSoilDetector
from firegrid.detect.dust.params import DustParams
from firegrid.detect.dust.scan import scan_bare_soil
from firegrid.detect.satellite.registry import make_detector
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.detect.satellite.scan import scan_scene
from firegrid.detect.scene_pass import BARE_SOIL, FIRE, ScanRequest, open_plan, run_plan
from firegrid.errors import InputError
from firegrid.imagery.open import open_scene
from tests.imagery.helpers import fire_field, sentinel2_folder, write_band

MODELS = default_models_dir()


def test_sentinel2_fire_and_bare_soil_in_one_pass_equal_two_scans(tmp_path: Path) -> None:
    folder = sentinel2_folder(tmp_path / "s2")
    params = DustParams(threads=1)
    plan = open_plan(ScanRequest(folder, detectors=(FIRE, BARE_SOIL), window_size=64), MODELS, -1000, params)
    both = run_plan(plan)
    fire = scan_scene(open_scene(folder), make_detector("sentinel2", MODELS), window_size=64)
    dust = scan_bare_soil(open_scene(folder, resolution=10), BareSoilDetector(MODELS), params, window_size=64)
    assert both.fire is not None and both.dust is not None
    assert len(fire.pixels) > 20 and len(dust.patches) == 1
    for column in ("rows", "cols", "confidence", "saturated", "swir"):
        assert np.array_equal(getattr(both.fire.pixels, column), getattr(fire.pixels, column), equal_nan=True)
    assert both.fire.clusters == fire.clusters
    assert [p.as_dict(True) for p in both.dust.patches] == [p.as_dict(True) for p in dust.patches]
    # the 10 m windows read their own B2 B3 B4 B8 and slice B11 and B12 out of the 20 m fire window
    fire_only, dust_only = (
        run_plan(open_plan(ScanRequest(folder, detectors=(d,), window_size=64), MODELS, -1000, params))
        for d in (FIRE, BARE_SOIL)
    )
    windows = plan.windows()  # HOTMAP and bare soil read at most 2 pixels around a window: strips
    assert len(windows) == both.windows == 6 and all(w.width == 150 for w in windows)
    assert dust_only.decoded == 6 * dust_only.windows  # six bands, each window one full-width read
    assert both.decoded == fire_only.decoded + 4 * sum(len(plan.dust_windows(w)) for w in windows)


def test_landsat_bare_soil_reads_nothing_fire_has_not_read(tmp_path: Path) -> None:
    field = fire_field((150, 140), seed=3, fires=10)
    for name, data in field.items():
        write_band(tmp_path / f"{name}.tif", data)
    plan = open_plan(
        ScanRequest(tmp_path, detectors=(FIRE, BARE_SOIL), window_size=64), MODELS, -1000, DustParams()
    )
    both = run_plan(plan)
    fire_only = run_plan(open_plan(ScanRequest(tmp_path, window_size=64), MODELS, -1000, DustParams()))
    assert plan.dust_scene is plan.fire_scene
    assert both.decoded == fire_only.decoded  # bare soil's B2-B7 come from the fire window
    assert both.shared >= fire_only.shared + 9 * 6
    fire = scan_scene(open_scene(tmp_path), make_detector("landsat", MODELS), window_size=64)
    assert both.fire is not None and both.fire.clusters == fire.clusters


def test_unknown_detectors_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown detector"):
        open_plan(ScanRequest(tmp_path, detectors=("smoke",)), MODELS, -1000, DustParams())
