from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from firegrid.firepoints import detect_format, read_fire_points
from firegrid.firepoints.fields import hhmm

FIRMS_FILES = {
    "MODIS_C6_1_Global_24h_20220226.csv": 19416,
    "modis_20220226_shanxi_bbox_subset.csv": 60,
    "modis_20220226_north_china_subset.csv": 197,
    "SUOMI_VIIRS_C2_South_Asia_7d_20250621-28.csv": 3549,
    "SUOMI_VIIRS_C2_South_Asia_24h_20250627.csv": 545,
    "viirs_snpp_7d_china_subset.csv": 148,
    "firms_api_area_viirs_india_20250626-27.csv": 127,
}


@pytest.mark.shared_data
@pytest.mark.parametrize(("name", "rows"), FIRMS_FILES.items())
def test_every_firms_variant_parses_without_errors(shared_data: Path, name: str, rows: int) -> None:
    result = read_fire_points(shared_data / "satellite" / "firms" / name)
    assert result.format == "firms-csv"
    assert result.errors == []
    assert result.rows_read == rows == len(result.detections)
    det = result.detections
    assert np.all((det.confidence >= 0) & (det.confidence <= 1))
    assert np.all(det.footprint_m >= 375) and np.all(det.footprint_m <= 6000)


@pytest.mark.shared_data
def test_viirs_api_variant_has_instrument_and_unpadded_time(shared_data: Path) -> None:
    result = read_fire_points(
        shared_data / "satellite" / "firms" / "firms_api_area_viirs_india_20250626-27.csv"
    )
    first = next(result.detections.rows())
    assert first["sensor"] == "VIIRS"
    assert first["platform"] == "Suomi NPP"
    assert first["observed_at"] == datetime(2025, 6, 26, 6, 3, tzinfo=UTC)  # acq_time "603"
    assert first["confidence"] == pytest.approx(0.6)  # "n"
    assert first["scan_m"] == pytest.approx(430.0)


@pytest.mark.shared_data
def test_modis_row_fields(shared_data: Path) -> None:
    result = read_fire_points(shared_data / "satellite" / "firms" / "modis_20220226_shanxi_bbox_subset.csv")
    first = next(result.detections.rows())
    assert first["sensor"] == "MODIS" and first["platform"] == "Terra"
    assert first["observed_at"] == datetime(2022, 2, 26, 2, 38, tzinfo=UTC)
    assert first["confidence"] == pytest.approx(0.56)
    assert first["brightness_k"] == pytest.approx(303.35)
    assert first["footprint_m"] == pytest.approx(1980.0)
    assert first["product"] == "FIRMS MODIS 6.1NRT"
    assert first["attrs"]["bright_t31"] == "289.32"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0544", (5, 44)), ("603", (6, 3)), ("10", (0, 10)), ("5", (0, 5)), (603, (6, 3)), ("12:07", (12, 7))],
)
def test_acq_time_variants(value: object, expected: tuple[int, int]) -> None:
    t = hhmm(value)
    assert (t.hour, t.minute) == expected


@pytest.mark.parametrize("value", ["2460", "1299", "abc", "12345", ""])
def test_bad_acq_time_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="acq_time"):
        hhmm(value)


def test_bad_rows_are_reported_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_text(
        "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight\n"
        "38.5,112.5,320.1,1.0,1.0,2024-10-28,0536,T,80,6.1NRT,290,12,D\n"
        "98.5,112.5,320.1,1.0,1.0,2024-10-28,0536,T,80,6.1NRT,290,12,D\n"
        "38.5,112.5,320.1,1.0,1.0,2024-13-28,0536,T,80,6.1NRT,290,12,D\n"
        "38.5,112.5,hot,1.0,1.0,2024-10-28,0536,T,80,6.1NRT,290,12,D\n"
        "38.5,112.5,320.1,1.0,1.0,2024-10-28,,T,80,6.1NRT,290,12,D\n"
        "38.5,112.5,320.1,1.0,1.0,2024-10-28,0536,T,180,6.1NRT,290,12,D\n"
        "38.6,112.6,320.1,1.0,1.0,2024-10-28,0536,T,80,6.1NRT,290,12,D,extra\n"
        "38.7,112.7,320.1,1.0,1.0,2024-10-28,0536,A,h,6.1NRT,290,12,N\n"
    )
    result = read_fire_points(path)
    assert result.rows_read == 8
    assert len(result.detections) == 2
    lines = {e.line: e.message for e in result.errors}
    assert set(lines) == {3, 4, 5, 6, 7, 8}
    assert "latitude out of range" in lines[3]
    assert "acq_date" in lines[4]
    assert "brightness is not a number" in lines[5]
    assert "missing acq_time" in lines[6]
    assert "confidence out of range" in lines[7]
    assert "extra cell" in lines[8]


def test_firms_json_records_and_geojson(tmp_path: Path) -> None:
    record = {
        "latitude": 38.5,
        "longitude": 112.5,
        "bright_ti4": 340.0,
        "scan": 0.4,
        "track": 0.4,
        "acq_date": "2024-10-28",
        "acq_time": 536,
        "satellite": "N20",
        "confidence": "high",
        "frp": 3.2,
    }
    plain = tmp_path / "points.json"
    plain.write_text(json.dumps([record, {"latitude": 1}]))
    result = read_fire_points(plain)
    assert result.format == "firms-json" and len(result.detections) == 1
    assert result.errors[0].line == 2 and "missing" in result.errors[0].message
    props = {k: v for k, v in record.items() if k not in ("latitude", "longitude")}
    geo = tmp_path / "points.geojson"
    geo.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [112.5, 38.5]},
                        "properties": props,
                    }
                ],
            }
        )
    )
    row = next(read_fire_points(geo).detections.rows())
    assert (row["lon"], row["lat"], row["platform"], row["sensor"]) == (112.5, 38.5, "NOAA-20", "VIIRS")


def test_broken_json_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"latitude": 38.5,')
    result = read_fire_points(path)
    assert len(result.detections) == 0 and "not valid JSON" in result.errors[0].message


def test_unknown_file_names_the_file(tmp_path: Path) -> None:
    from firegrid.errors import UnsupportedFormatError

    path = tmp_path / "notes.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(UnsupportedFormatError, match=r"notes\.csv"):
        detect_format(path)
