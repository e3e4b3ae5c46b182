"""The bare-soil detector and change detection on the real eo-learn Sentinel-2 scenes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin
from typer.testing import CliRunner

from firegrid import geo
from firegrid.cli.main import app
from firegrid.detect.dust.baresoil import BareSoilDetector
from firegrid.detect.dust.change import detect_new_bare
from firegrid.detect.dust.params import DustParams
from firegrid.detect.dust.scan import dust_detections, scan_bare_soil
from firegrid.detect.satellite.runtime import default_models_dir
from firegrid.errors import InputError
from firegrid.imagery.open import open_scene
from firegrid.vector import reproject_to_wgs84
from tests.detect.dust_helpers import ORIGIN, scenes, write_scene

pytestmark = pytest.mark.shared_data
IMPLANT = (slice(30, 50), slice(20, 45))  # 20 x 25 pixels = 5 ha at 10 m


@pytest.fixture(scope="module")
def detector() -> BareSoilDetector:
    return BareSoilDetector(default_models_dir())


def implanted_area_m2(rows: slice, cols: slice) -> float:
    x0, y0 = ORIGIN
    box = shapely.box(x0 + cols.start * 10, y0 - rows.stop * 10, x0 + cols.stop * 10, y0 - rows.start * 10)
    return geo.area_m2(reproject_to_wgs84(box, "EPSG:32633"))


def scan(folder: Path, detector: BareSoilDetector, **kw: object):  # type: ignore[no-untyped-def]
    return scan_bare_soil(open_scene(folder, "sentinel2", resolution=10), detector, DustParams(), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("date", [0, 1, 2, 3, 4], ids=["cloudy", "hazy", "clear-2", "clear-3", "clear-4"])
def test_no_bare_soil_on_the_real_forest_grassland_and_cloudy_scenes(
    shared_data: Path, tmp_path: Path, detector: BareSoilDetector, date: int
) -> None:
    result = scan(write_scene(tmp_path / f"s{date}", scenes(shared_data)[date]), detector)
    assert result.patches == []
    if date == 0:
        assert result.fractions["cloud"] > 0.95


@pytest.mark.parametrize("date", [2, 3, 4])
def test_an_implanted_dry_soil_patch_is_found_with_its_area(
    shared_data: Path, tmp_path: Path, detector: BareSoilDetector, date: int
) -> None:
    result = scan(write_scene(tmp_path / "s", scenes(shared_data)[date], IMPLANT), detector)
    assert len(result.patches) == 1
    patch = result.patches[0]
    expected = implanted_area_m2(*IMPLANT)
    assert patch.area_m2 == pytest.approx(expected, rel=0.10)
    assert abs(patch.area_m2 - expected) / expected < 0.01  # exact pixels: geodesic vs grid only
    assert patch.kind == "bare_land" and patch.score > 0.7
    assert patch.polygon.contains(shapely.Point(patch.lon, patch.lat))


def test_windows_do_not_change_the_result(
    shared_data: Path, tmp_path: Path, detector: BareSoilDetector
) -> None:
    data = scenes(shared_data)[3]
    folder = write_scene(tmp_path / "s", data, (slice(7, 61), slice(3, 90)))
    whole = scan(folder, detector, window_size=1024)
    tiled = scan(folder, detector, window_size=16)
    assert tiled.windows > 40 and whole.windows == 1  # strips of 2 rows
    assert [p.as_dict(True) for p in whole.patches] == [p.as_dict(True) for p in tiled.patches]


def test_minimum_area_and_detections(shared_data: Path, tmp_path: Path, detector: BareSoilDetector) -> None:
    data = scenes(shared_data)[2]
    folder = write_scene(tmp_path / "s", data, (slice(5, 8), slice(5, 8)))  # 9 px = 900 m2 < 0.1 ha
    assert scan(folder, detector).patches == []
    folder = write_scene(tmp_path / "t", data, (slice(5, 9), slice(5, 9)))  # 16 px = 1600 m2
    result = scan(folder, detector)
    assert len(result.patches) == 1
    det = dust_detections(result)
    assert det.hazard.tolist() == ["dust"] and det.source_kind.tolist() == ["satellite_scene"]
    assert det.attrs[0]["kind"] == "bare_land" and det.attrs[0]["polygon"]["type"] == "Polygon"


def test_otsu_raises_the_threshold_on_an_arid_scene(tmp_path: Path, detector: BareSoilDetector) -> None:
    """Dry steppe everywhere (BSI ~0.08) with one fresh earthwork (BSI ~0.3): only the earthwork."""
    rng = np.random.default_rng(0)
    shape = (200, 200)
    steppe = {"B02": 0.09, "B03": 0.12, "B04": 0.15, "B08": 0.24, "B11": 0.27, "B12": 0.22}
    earth = {"B02": 0.08, "B03": 0.12, "B04": 0.20, "B08": 0.22, "B11": 0.40, "B12": 0.33}
    data = np.zeros((*shape, 13), np.float32)
    from tests.detect.dust_helpers import BANDS

    for i, name in enumerate(BANDS):
        value = steppe.get(name, 0.2)
        data[..., i] = value * rng.normal(1, 0.03, shape)
        if name in earth:
            data[80:120, 60:140, i] = earth[name] * rng.normal(1, 0.03, (40, 80))
    result = scan(write_scene(tmp_path / "arid", data), detector)
    assert result.thresholds.source == "otsu" and result.thresholds.bsi > 0.1
    assert len(result.patches) == 1
    assert result.patches[0].area_m2 == pytest.approx(40 * 80 * 100, rel=0.1)
    fixed = scan_bare_soil(
        open_scene(tmp_path / "arid", "sentinel2", resolution=10),
        detector,
        DustParams(thresholds={"min_separability": 1.0}),
    )
    assert fixed.thresholds.source == "fixed"
    assert len(fixed.patches) == 1 and fixed.patches[0].area_m2 > 8 * result.patches[0].area_m2  # most steppe


def write_landcover(path: Path, classes: np.ndarray) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=classes.shape[1],
        height=classes.shape[0],
        count=1,
        dtype="uint8",
        crs="EPSG:32633",
        transform=from_origin(ORIGIN[0], ORIGIN[1], 5, 5),  # finer than the scene: resampled
    ) as ds:
        ds.write(classes, 1)
    return path


def test_landcover_kinds_and_cropland(shared_data: Path, tmp_path: Path, detector: BareSoilDetector) -> None:
    data = scenes(shared_data)[2].copy()
    folder = write_scene(tmp_path / "s", data, IMPLANT)
    folder2 = write_scene(tmp_path / "s2", data, (slice(70, 90), slice(60, 90)))
    for name in ("B02", "B03", "B04", "B08", "B11", "B12"):  # both patches in one scene
        with rasterio.open(folder2 / f"{name}.tif") as a, rasterio.open(folder / f"{name}.tif", "r+") as b:
            merged = b.read(1)
            merged[70:90, 60:90] = a.read(1)[70:90, 60:90]
            b.write(merged, 1)
    classes = np.full((202, 200), 10, np.uint8)  # tree cover
    classes[60:100, 40:90] = 40  # cropland under the first implant
    classes[140:180, 120:180] = 50  # built-up under the second
    cover = write_landcover(tmp_path / "worldcover.tif", classes)
    result = scan(folder, detector, landcover=cover)
    kinds = sorted(p.kind for p in result.patches)
    assert kinds == ["built_up", "cropland"]
    assert result.thresholds.source in ("fixed", "otsu")  # no WorldCover class 60 pixels


def test_new_bare_land_needs_persistence(
    shared_data: Path, tmp_path: Path, detector: BareSoilDetector
) -> None:
    data = scenes(shared_data)
    params = DustParams()
    before = open_scene(write_scene(tmp_path / "t0", data[2]), "sentinel2", resolution=10)
    after = [
        open_scene(write_scene(tmp_path / f"t{i}", data[i], IMPLANT), "sentinel2", resolution=10)
        for i in (3, 4)
    ]
    result = detect_new_bare(before, after, detector, params)
    assert [p.kind for p in result.patches] == ["new_bare_land"]
    assert result.patches[0].area_m2 == pytest.approx(implanted_area_m2(*IMPLANT), rel=0.02)
    once = [after[0], open_scene(write_scene(tmp_path / "t5", data[4]), "sentinel2", resolution=10)]
    assert detect_new_bare(before, once, detector, params).patches == []  # bare in 1 of 2 only
    already = open_scene(write_scene(tmp_path / "b", data[2], IMPLANT), "sentinel2", resolution=10)
    assert detect_new_bare(already, after, detector, params).patches == []  # it was bare before
    cloudy = open_scene(write_scene(tmp_path / "c", data[0]), "sentinel2", resolution=10)
    assert detect_new_bare(cloudy, after, detector, params).patches == []  # unknown before: not new


def test_change_detection_refuses_different_grids(
    shared_data: Path, tmp_path: Path, detector: BareSoilDetector
) -> None:
    data = scenes(shared_data)
    a = open_scene(write_scene(tmp_path / "a", data[2]), "sentinel2", resolution=10)
    b = open_scene(write_scene(tmp_path / "b", data[3][:90]), "sentinel2", resolution=10)
    with pytest.raises(InputError, match="differs"):
        detect_new_bare(a, [b], detector, DustParams())


def test_scan_cli_adds_dust_patches(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIREGRID_HOME", str(tmp_path / "home"))
    folder = write_scene(tmp_path / "scene", scenes(shared_data)[3], IMPLANT)
    result = CliRunner().invoke(
        app, ["scan", str(folder), "--detectors", "fire,bare-soil", "--json", "--no-ingest"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["fire_points"] == []
    [patch] = out["dust_patches"]
    assert {"lon", "lat", "area_m2", "kind", "score"} <= patch.keys()
    assert patch["kind"] == "bare_land" and 14.5 < patch["lon"] < 14.6
    bad = CliRunner().invoke(app, ["scan", str(folder), "--detectors", "smoke"])
    assert bad.exit_code != 0
