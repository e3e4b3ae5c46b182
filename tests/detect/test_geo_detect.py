"""The geostationary detector on real GOES-17 scans (Kincade Fire vs NOAA's FDC; a night without fire),
its masks, its geometry and its FRP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from firegrid import geo
from firegrid.detect.geostationary.fires import detect_slot, to_detections
from firegrid.detect.geostationary.frp import frp_mw, mir_coefficient, planck, t4_rise_for_frp
from firegrid.imagery.geostationary import geometry
from firegrid.imagery.geostationary.reader import read_slot
from firegrid.types import SourceKind

GEO = "satellite/geostationary"
FDC_FIRE_CODES = {10, 11, 12, 13, 14, 15, 30, 31, 32, 33, 34, 35}
NEAR_M = 4500.0  # the same ABI pixel or one of its 8 neighbours (~2.8 x 2.9 km there)


def fdc_fire_pixels(shared: Path, meso_files: list[Path]) -> np.ndarray:
    """(lon, lat) of the FDC fire pixels (mask codes 10-15, 30-35) inside the mesoscale scan."""
    import xarray as xr
    from satpy import Scene

    fdc = sorted((shared / GEO / "goes17_fdc_conus_20191027T2001").glob("*.nc"))
    mask = xr.open_dataset(fdc[0], engine="h5netcdf", mask_and_scale=False)["Mask"].values
    scene = Scene(filenames=[str(f) for f in fdc], reader="abi_l2_nc")
    scene.load(["Mask"])
    lons, lats = scene["Mask"].attrs["area"].get_lonlats()
    meso = Scene(filenames=[str(f) for f in meso_files if "C07" in f.name], reader="abi_l1b")
    meso.load(["C07"])
    meso_area = meso["C07"].attrs["area"]
    out = []
    for row, col in np.argwhere(np.isin(mask, list(FDC_FIRE_CODES))):
        try:
            meso_area.get_array_indices_from_lonlat(lons[row, col], lats[row, col])
        except ValueError:
            continue  # outside the mesoscale sector
        out.append((lons[row, col], lats[row, col]))
    return np.asarray(out)


def _share_near(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the points of ``a`` with a point of ``b`` within NEAR_M."""
    near = [bool((geo.distance_m(lon, lat, b[:, 0], b[:, 1]) <= NEAR_M).any()) for lon, lat in a]
    return float(np.mean(near))


@pytest.mark.shared_data
def test_kincade_fire_pixels_match_noaa_fdc_both_ways(shared_data: Path) -> None:
    files = sorted((shared_data / GEO / "goes17_kincade_20191027T2000_mesoscale").glob("*.nc"))
    slot = read_slot(files)
    result = detect_slot(slot)
    ours = np.array([(f.lon, f.lat) for f in result.fires])
    fdc = fdc_fire_pixels(shared_data, files)
    found = _share_near(fdc, ours)  # share of FDC fire pixels firegrid found
    unmatched = 1.0 - _share_near(ours, fdc)  # share of firegrid pixels not near an FDC pixel
    same = float(np.mean([(geo.distance_m(lo, la, ours[:, 0], ours[:, 1]) < 1000).any() for lo, la in fdc]))
    print(
        f"\nKincade: firegrid {len(ours)} fire pixels, FDC {len(fdc)} in the sector; "
        f"FDC found (same or adjacent pixel) {found:.3f}, same pixel {same:.3f}; "
        f"firegrid not near FDC {unmatched:.3f}; by method {result.summary()['by_method']}"
    )
    assert len(ours) >= 20
    assert found >= 0.85
    assert unmatched <= 0.10
    frp = np.array([f.frp_mw for f in result.fires])
    assert np.nanmax(frp) > 500  # the saturated core pixel: FDC reports ~1950 MW for it
    detections = to_detections(slot, result.fires, "kincade")
    assert set(detections.source_kind) == {SourceKind.SATELLITE_GEO.value}
    assert np.all(detections.footprint_m > 2000) and np.all(detections.footprint_m < 3500)


@pytest.mark.shared_data
def test_no_fire_night_scan_gives_no_fire_pixel(shared_data: Path) -> None:
    files = sorted((shared_data / GEO / "goes17_nofire_20191201T1027_mesoscale").glob("*.nc"))
    slot = read_slot(files)
    result = detect_slot(slot)
    assert result.fires == []
    assert result.clear > 10_000  # not because everything was masked
    assert float(np.nanmedian(slot.sza)) > 90  # 02:27 local: the night tests ran


def test_mir_coefficient_reproduces_the_modis_value() -> None:
    # MODIS C6 (3.96 µm): a = 3.0e-9 W m-2 sr-1 µm-1 K-4 (Wooster et al. 2003; Giglio et al. 2016)
    assert mir_coefficient(3.96) == pytest.approx(3.0e-9, rel=0.02)
    t = np.linspace(650, 1300, 50)
    assert np.max(np.abs(mir_coefficient(3.89) * t**4 / planck(3.89, t) - 1)) < 0.25


def test_frp_and_its_inverse_agree() -> None:
    rise = t4_rise_for_frp(3.89, 10.0, 295.0, 7.5)
    assert 2.0 < rise < 6.0  # 10 MW in a 7.5 km² pixel: a few kelvin at 3.9 µm
    assert float(frp_mw(3.89, 295.0 + rise, 295.0, 7.5)) == pytest.approx(10.0, rel=1e-6)
    assert float(frp_mw(3.89, 290.0, 295.0, 7.5)) == 0.0
    assert np.isnan(frp_mw(3.89, 300.0, np.nan, 7.5))


def test_himawari9_views_xinzhou_at_53_degrees() -> None:
    sat = geometry.Satellite(140.7, 35_785_863.0)
    vza, vaz, slant = geometry.viewing(np.array([112.7]), np.array([38.5]), sat)
    assert float(vza[0]) == pytest.approx(53.4, abs=0.3)
    assert 90 < float(vaz[0]) < 180  # the satellite is to the south-east
    assert float(slant[0]) == pytest.approx(38_040e3, rel=0.01)


def test_glint_angle_is_zero_in_the_mirror_direction() -> None:
    g = geometry.glint_angle(
        np.array([30.0, 30.0]), np.array([180.0, 180.0]), np.array([30.0, 30.0]), np.array([0.0, 180.0])
    )
    assert float(g[0]) == pytest.approx(0.0, abs=1e-6)
    assert float(g[1]) == pytest.approx(60.0, abs=1e-6)


def test_sun_is_high_at_noon_in_shanxi() -> None:
    sza, saz = geometry.sun(np.array([112.5]), np.array([38.5]), datetime(2025, 6, 21, 4, 30, tzinfo=UTC))
    assert float(sza[0]) == pytest.approx(15.0, abs=1.0)
    assert float(saz[0]) == pytest.approx(180.0, abs=5.0)
