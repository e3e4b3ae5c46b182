"""The ``firegrid`` command as a user runs it (subprocess, fresh FIREGRID_HOME)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from firegrid import sample


def firegrid(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FIREGRID_HOME": str(home), "FIREGRID_LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-m", "firegrid", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.shared_data
@pytest.mark.slow
def test_acceptance_global_modis_ingest_twice(tmp_path: Path, shared_data: Path) -> None:
    path = str(shared_data / "satellite" / "firms" / "MODIS_C6_1_Global_24h_20220226.csv")
    first = json.loads(firegrid(tmp_path, "ingest", path, "--json").stdout)
    assert first["read"] == 19416 and first["errors"] == []
    assert set(first) == {
        "read",
        "new",
        "duplicates",
        "suppressed",
        "unrouted",
        "incidents_new",
        "tasks_new",
        "errors",
    }
    second = json.loads(firegrid(tmp_path, "ingest", path, "--json").stdout)
    assert second["read"] == 19416 and second["new"] == 0 and second["duplicates"] == 19416


def test_grid_users_heat_sources_and_a_batch_with_bad_files(tmp_path: Path) -> None:
    grid = json.loads(firegrid(tmp_path, "grid", "import", str(sample.path(sample.GRID))).stdout)
    assert grid["version"] == 1 and grid["cells"] > 1400 and grid["report"]["rejected"] == []
    heat = json.loads(
        firegrid(tmp_path, "heat-sources", "import", str(sample.path(sample.HEAT_SOURCES))).stdout
    )
    assert heat["new"] == 22
    again = json.loads(
        firegrid(tmp_path, "heat-sources", "import", str(sample.path(sample.HEAT_SOURCES))).stdout
    )
    assert (again["new"], again["updated"]) == (0, 22)
    user = json.loads(
        firegrid(
            tmp_path,
            "users",
            "add",
            "li",
            "--role",
            "inspector",
            "--cell",
            "140902001001",
            "--password",
            "long-enough",
        ).stdout
    )
    assert user["cells"] == ["140902001001"]
    bad = tmp_path / "bad.csv"
    bad.write_text("what,is,this\n1,2,3\n")
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "points.csv").write_bytes(sample.path(sample.FIRE_POINTS).read_bytes())
    result = json.loads(
        firegrid(tmp_path, "ingest", str(bad), str(folder), str(tmp_path / "missing.csv"), "--json").stdout
    )
    assert result["new"] == 28 and result["tasks_new"] == 13
    messages = {Path(e["file"]).name: e["message"] for e in result["errors"]}
    assert "bad.csv" in messages and "no latitude/longitude" in messages["bad.csv"]
    assert messages["missing.csv"] == "no such file"


def test_bad_grid_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "grid.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "1", '
        '"level": "moon"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}'
    )
    result = firegrid(tmp_path, "grid", "import", str(path), check=False)
    assert result.returncode == 2 and "unknown level 'moon'" in result.stderr
    corrupt = tmp_path / "corrupt.gpkg"
    corrupt.write_bytes(b"SQLite format 3\x00 broken")
    result = firegrid(tmp_path, "grid", "import", str(corrupt), check=False)
    assert result.returncode == 2 and "corrupt.gpkg: named GeoPackage but its content is" in result.stderr


def test_demo_prepare_is_idempotent(tmp_path: Path) -> None:
    first = firegrid(tmp_path, "demo", "--prepare-only")
    assert "'tasks_new': 13" in first.stderr and "firegrid-demo" in first.stderr
    second = firegrid(tmp_path, "demo", "--prepare-only")
    assert "'new': 0" in second.stderr
