"""Geostationary readers through satpy: the real GOES-17 ABI files, and HSD / AGRI files written in
their published formats."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from firegrid import geo
from firegrid.errors import ConfigError, InputError
from firegrid.imagery.geostationary.reader import guess_reader, read_slot
from tests.imagery import geo_files

WHEN = datetime(2025, 10, 24, 6, 0, tzinfo=UTC)  # 14:00 in Shanxi
XINZHOU_BBOX = (110.5, 37.5, 114.5, 40.0)
FIRE = (112.6, 38.6)


def _hottest(slot):  # type: ignore[no-untyped-def]
    index = np.unravel_index(np.nanargmax(slot.mir), slot.shape)
    return index, float(slot.lon[index]), float(slot.lat[index])


@pytest.mark.shared_data
def test_real_goes17_kincade_scan_is_read_through_satpy(shared_data: Path) -> None:
    folder = shared_data / "satellite/geostationary/goes17_kincade_20191027T2000_mesoscale"
    files = sorted(folder.glob("*.nc"))
    assert guess_reader(files) == "abi_l1b"
    slot = read_slot(files)
    assert (slot.platform, slot.sensor, slot.shape) == ("GOES-17", "ABI", (500, 500))
    assert slot.start_time == datetime(2019, 10, 27, 20, 0, 27, 500000, tzinfo=UTC)
    assert slot.red is None and slot.nir is not None and slot.tir12 is not None
    assert any("C02" in note for note in slot.notes)  # the public files have no 0.64 µm band
    _, lon, lat = _hottest(slot)
    assert float(np.nanmax(slot.mir)) > 395  # the Kincade Fire saturates C07 near 400 K
    assert geo.distance_m(lon, lat, -122.70, 38.71) < 4000
    assert 4.0 < float(np.nanmedian(slot.pixel_area_km2)) < 9.0  # 2 km at nadir, ~46° off nadir here
    assert 30 < float(np.nanmedian(slot.sza)) < 70  # 13:00 local


def test_himawari_hsd_segment_is_read_and_cropped_to_the_area(tmp_path: Path) -> None:
    paths = geo_files.ahi_slot(tmp_path, WHEN, [2], [(*FIRE, 30.0)])
    assert guess_reader(paths) == "ahi_hsd"
    slot = read_slot(paths, XINZHOU_BBOX)
    assert (slot.platform, slot.sensor) == ("Himawari-9", "AHI")
    assert slot.start_time == WHEN
    rows, cols = slot.shape
    assert 80 < rows < 130 and 150 < cols < 220  # 2.5° x 4° at ~3 x 4 km per pixel
    west, south, east, north = XINZHOU_BBOX  # the native-grid rectangle that covers the area
    assert np.nanmin(slot.lon) < west < east < np.nanmax(slot.lon) < east + 1.5
    assert np.nanmin(slot.lat) < south < north < np.nanmax(slot.lat) < north + 0.5
    index, lon, lat = _hottest(slot)
    assert geo.distance_m(lon, lat, *FIRE) < 2500
    assert slot.mir[index] == pytest.approx(322.0, abs=1.5)  # 292 K + 30 K through counts and Planck
    assert float(np.nanmedian(slot.nir)) == pytest.approx(0.2, abs=0.005)  # B04 (1 km) aggregated
    assert slot.vza[index] == pytest.approx(53.4, abs=0.5)  # Himawari-9 at 140.7E sees Xinzhou at ~53°
    assert 6.5 < slot.pixel_area_km2[index] < 8.5


def test_compressed_hsd_segments_from_the_bucket_are_read(tmp_path: Path) -> None:
    paths = geo_files.ahi_slot(tmp_path, WHEN, [2], [(*FIRE, 30.0)], bands=("B07", "B14"), compress=True)
    assert all(p.name.endswith(".DAT.bz2") for p in paths)
    slot = read_slot(paths, XINZHOU_BBOX)
    assert slot.tir12 is None and slot.nir is None
    _, lon, lat = _hottest(slot)
    assert geo.distance_m(lon, lat, *FIRE) < 2500


def test_fy4b_agri_l1_file_is_read(tmp_path: Path) -> None:
    path = geo_files.agri_slot(tmp_path, WHEN, FIRE, [(*FIRE, 30.0)])
    assert guess_reader([path]) == "agri_fy4b_l1"
    slot = read_slot([path], (111.5, 38.0, 113.5, 39.5))
    assert (slot.platform, slot.sensor) == ("FY-4B", "AGRI")
    assert slot.start_time == WHEN
    index, lon, lat = _hottest(slot)
    assert geo.distance_m(lon, lat, *FIRE) < 4500  # 4 km pixels
    assert float(np.nanmedian(slot.red)) == pytest.approx(0.08, abs=0.005)
    assert 15 < slot.pixel_area_km2[index] < 35


def test_files_that_are_not_geostationary_l1_are_refused_by_name(tmp_path: Path) -> None:
    other = tmp_path / "MODIS_C6_1_Global_24h.csv"
    other.write_text("latitude,longitude\n")
    with pytest.raises(InputError, match="not GOES ABI L1b"):
        read_slot([other])
    with pytest.raises(InputError, match="no such file"):
        read_slot([tmp_path / "HS_H09_20251024_0600_B07_FLDK_R20_S0210.DAT"])


def test_a_slot_without_its_11_um_band_names_the_missing_band(tmp_path: Path) -> None:
    paths = geo_files.ahi_slot(tmp_path, WHEN, [2], [], bands=("B07",))
    with pytest.raises(InputError, match=r"B14 \(tir\) is missing"):
        read_slot(paths, XINZHOU_BBOX)


def test_without_satpy_a_slot_names_the_missing_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = geo_files.ahi_slot(tmp_path, WHEN, [2], [(*FIRE, 30.0)])
    monkeypatch.setitem(sys.modules, "satpy.scene", None)  # as on a deployment installed without satpy
    with pytest.raises(ConfigError, match="satpy is not installed"):
        read_slot(paths, XINZHOU_BBOX)
