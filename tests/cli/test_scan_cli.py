from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import firegrid


@pytest.mark.shared_data
def test_scan_json_and_quicklook(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "ql.png"
    result = firegrid(
        tmp_path,
        "scan",
        str(shared_data / "satellite" / "landsat8_fire_crop"),
        "--json",
        "--quicklook",
        str(out),
        "--window-size",
        "128",
    )
    summary = json.loads(result.stdout)
    assert (
        summary["sensor"] == "landsat" and summary["fire_pixels"] == 284 and len(summary["fire_points"]) == 50
    )
    assert summary["detector"]["name"] == "landsat-schroeder2016" and len(summary["detector"]["sha256"]) == 64
    assert set(summary["fire_points"][0]) >= {"lon", "lat", "pixels", "confidence", "saturated", "max_swir"}
    assert "not ingested" in " ".join(summary["notes"])  # the crop has no acquisition time
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dated = json.loads(
        firegrid(
            tmp_path,
            "scan",
            str(shared_data / "satellite" / "landsat8_fire_crop"),
            "--json",
            "--detector",
            "landsat-goli2018",
            "--acquired-at",
            "2015-08-20T01:00:00",
        ).stdout
    )
    assert dated["ingest"]["new"] == 50 and dated["ingest"]["unrouted"] == 50  # Australia is not in the grid


def test_scan_errors_are_clear(tmp_path: Path) -> None:
    missing = firegrid(tmp_path, "scan", str(tmp_path / "nope"), check=False)
    assert missing.returncode == 2 and "no such scene" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = firegrid(tmp_path, "scan", str(tmp_path / "empty"), check=False)
    assert empty.returncode == 2 and "no band files" in empty.stderr


@pytest.mark.shared_data
def test_geo_scan_reads_a_slot_folder_and_reports_json(tmp_path: Path, shared_data: Path) -> None:
    folder = shared_data / "satellite" / "geostationary" / "goes17_kincade_20191027T2000_mesoscale"
    report = json.loads(
        firegrid(
            tmp_path, "geo-scan", str(folder), "--bbox=-123.5,38,-122,39.5", "--no-ingest", "--json"
        ).stdout
    )
    assert report["slot"]["platform"] == "GOES-17" and report["detection"]["fire_pixels"] == 27
    assert set(report["seconds"]) == {"read", "detect", "ingest"} and report["ingest"]["read"] == 0
    bad = firegrid(tmp_path, "geo-scan", str(tmp_path / "nothing.nc"), check=False)
    assert bad.returncode == 2 and "no such file" in bad.stderr
