"""The real JAXA Himawari-9 L2 WLF file, and what a bad row does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from firegrid.firepoints import read_fire_points
from firegrid.firepoints.formats import detect_format
from firegrid.services.ingest import ingest_file
from firegrid.worker.context import Runtime

WLF = "satellite/geostationary/himawari_wlf/H09_20251209_1900_L2WLF010_FLDK.06001_06001.csv"


@pytest.mark.shared_data
def test_real_wlf_file_is_parsed(shared_data: Path) -> None:
    path = shared_data / WLF
    assert detect_format(path) == "jaxa-wlf"
    result = read_fire_points(path)
    d = result.detections
    assert result.rows_read == len(d) == 212 and result.errors == []
    assert set(d.source_kind) == {"satellite_geo"} and set(d.platform) == {"Himawari-9"}
    assert set(d.product) == {"JAXA WLF L2 v010"}
    times = {t.strftime("%H%M") for t in d.observed_datetimes()}
    assert times <= {"1902", "1908"} and d.observed_datetimes()[0] == datetime(2025, 12, 9, 19, 2, tzinfo=UTC)
    first = d.attrs[0]
    assert first["level"] == "smouldering" and first["reliability"] == 1 and first["qf"] == "normal"
    assert d.frp[0] == pytest.approx(3.75 * 3.73)  # W m-2 over the 3.73 km² cell = MW
    assert np.all((d.scan_m > 1000) & (d.scan_m < 2300) & (d.track_m == pytest.approx(2226.4)))
    shanxi = (d.lat > 36) & (d.lat < 39) & (d.lon > 110) & (d.lon < 115)
    assert shanxi.sum() >= 2  # e.g. 38.74N 110.14E and 36.30N 114.18E


def test_bad_rows_are_reported_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "H09_20251209_1900_L2WLF010_FLDK.06001_06001.csv"
    path.write_text(
        "# 2025 12  9 19  0 UTC  2025 12  9 19 30 UTC\n"
        "# ID,Year,Month,Day,Time(UTC),Lat,Lon,Area(km^2),Volcano,Level,Reliability,FRP(Wm^-2),QF,Hot(ID)\n"
        "1,2025,12,9,1902,38.58,112.62,3.88,0,3,5,2.5,0,1\n"
        "2,2025,12,9,1902,38.58,112.64,3.88,0,7,5,2.5,0,1\n"
        "3,2025,13,9,1902,38.58,112.66,3.88,0,2,3,2.5,0,1\n"
        "4,2025,12,9,1902,138.58,112.66,3.88,0,2,3,2.5,0,1\n"
    )
    result = read_fire_points(path)
    assert len(result.detections) == 1 and result.detections.confidence[0] == 0.9
    messages = {e.line: e.message for e in result.errors}
    assert "Level must be one of [1, 2, 3]" in messages[4]
    assert "not a date" in messages[5] and "latitude out of range" in messages[6]


@pytest.mark.shared_data
def test_wlf_points_are_ingested_as_geostationary_detections(
    grid_runtime: Runtime, shared_data: Path
) -> None:
    summary = ingest_file(grid_runtime.ingest, shared_data / WLF)
    assert summary.read == summary.new == 212 and summary.errors == []
    assert summary.unrouted > 200  # almost all of East Asia is outside the Xinzhou grid
    assert ingest_file(grid_runtime.ingest, shared_data / WLF).new == 0
