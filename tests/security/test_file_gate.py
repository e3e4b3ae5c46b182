"""The file gate (firegrid.files) through the API routes, the command line and the readers.

Before: a GDAL VRT uploaded to /sites/import read FIREGRID_HOME/secret_key (a token signed with it was
accepted as admin) and /etc/passwd into site names; /vsicurl/ made the server fetch loopback URLs;
paths and watch folders could point anywhere. Every test here fails on that code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from firegrid.config import Settings
from firegrid.errors import UnsafeFileError
from firegrid.files import confine, read_vector_raw
from firegrid.imagery.open import open_scene
from firegrid.vector import read_vector
from tests.api.conftest import login
from tests.imagery.helpers import write_band
from tests.security.payloads import (
    geojson_with_crs_link,
    listener,
    ogr_vrt,
    raster_vrt,
    zipped,
)

SECRET = "FIREGRID-TEST-SECRET-0123456789abcdef"
SHP_HEADER = b"\x00\x00\x27\x0a" + b"\x00" * 96


@pytest.fixture(scope="module")
def secret(demo_settings: Settings, client: TestClient) -> Path:
    path = demo_settings.home / "secret_key"
    assert path.is_file()
    return path


def _hostile(secret: Path) -> dict[str, bytes]:
    vrt = ogr_vrt(secret)
    return {
        "leak.vrt": vrt.encode(),
        "leak.geojson": vrt.encode(),  # renamed
        "leak.json": ("\ufeff  \n" + vrt).encode(),  # BOM and blank lines first
        "passwd.geojson": ogr_vrt(Path("/etc/passwd")).encode(),
        "leak.csv": vrt.encode(),  # <OGRVRTDataSource> in a CSV
        "leak.zip": zipped({"sites.shp": SHP_HEADER, "sites.vrt": vrt}),
        "nested.zip": zipped({"inner.zip": zipped({"leak.vrt": vrt})}),
        "traversal.zip": zipped({"../../evil.shp": SHP_HEADER}),
        "leak.gpkg": vrt.encode(),  # not SQLite at all
        "leak.kml": b"<kml xmlns='http://www.opengis.net/kml/2.2'/>",
        "alg.json": json.dumps(
            {"type": "gdal_streamed_alg", "command_line": f"gdal vector read {secret}"}
        ).encode(),
    }


def _refused(response: object, secret: Path) -> None:
    text = response.text  # type: ignore[attr-defined]
    assert response.status_code == 400, text  # type: ignore[attr-defined]
    assert response.json()["error"] == "UnsafeFileError"  # type: ignore[attr-defined]
    assert secret.read_text().strip() not in text and "root:x:0" not in text


@pytest.mark.parametrize(
    ("route", "user"),
    [("/sites/import", "op-140902"), ("/heat-sources/import", "op-140902"), ("/grid/import", "admin")],
)
def test_vector_imports_refuse_files_that_read_other_files(
    client: TestClient, secret: Path, route: str, user: str
) -> None:
    headers = login(client, user)
    for name, content in _hostile(secret).items():
        response = client.post(route, files={"file": (name, content)}, headers=headers)
        _refused(response, secret)
    sites = client.get("/sites", headers=headers).text
    assert secret.read_text().strip() not in sites and "root:x" not in sites


def test_a_linked_crs_makes_no_request(client: TestClient, secret: Path) -> None:
    """GDAL fetches a GeoJSON's ``crs`` link (SSRF through an allowed driver) unless the gate stops it."""
    headers = login(client, "op-140902")
    with listener() as server:
        files = {"file": ("sites.geojson", geojson_with_crs_link(f"{server.url}/crs").encode())}
        client.post("/heat-sources/import", files=files, headers=headers)
        assert server.requests == []
    assert secret.read_text().strip() not in client.get("/heat-sources", headers=headers).text


def test_api_paths_refuse_vsi_urls_nul_bytes_and_links_out_of_the_roots(
    client: TestClient, demo_settings: Settings, tmp_path: Path
) -> None:
    operator = login(client, "op-140902")
    outside = tmp_path / "outside"
    outside.mkdir()
    demo_settings.scenes_dir.mkdir(parents=True, exist_ok=True)
    link = demo_settings.scenes_dir / "escape"
    link.symlink_to(outside, target_is_directory=True)
    with listener() as server:
        for path in (
            f"/vsicurl/{server.url}/scene.tif",
            f"{demo_settings.scenes_dir}/../../../vsicurl/{server.url}/x.tif",
            f"{demo_settings.scenes_dir}/a\x00b",
            str(link),
            str(demo_settings.home / "secret_key"),
            "/etc",
        ):
            response = client.post("/scenes", json={"path": path}, headers=operator)
            assert response.status_code == 400, (path, response.text)
            assert response.json()["error"] == "UnsafeFileError"
        camera = {
            "lon": 112.7,
            "lat": 38.4,
            "stream": {"kind": "file", "url": f"/vsicurl/{server.url}/frame.jpg"},
        }
        assert client.put("/cameras/c1", json=camera, headers=operator).status_code == 400
        assert server.requests == []


def test_watch_folders_are_confined_when_configured(client: TestClient, demo_settings: Settings) -> None:
    operator = login(client, "op-140902")
    for kind in ("watch_folder", "geo_folder"):
        for path in ("/etc", "../", str(demo_settings.home), "inbox/../../"):
            response = client.put("/sources/evil", json={"kind": kind, "path": path}, headers=operator)
            assert response.status_code == 400, (kind, path, response.text)
    good = client.put("/sources/drop", json={"kind": "watch_folder", "path": "inbox/drop"}, headers=operator)
    assert good.status_code == 200, good.text


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FIREGRID_HOME": str(home), "FIREGRID_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "firegrid", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_command_line_imports_refuse_the_same_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    secret = home / "secret_key"
    secret.write_text(SECRET)
    cases = {
        ("sites", "import"): "leak.geojson",
        ("heat-sources", "import"): "leak.zip",
        ("grid", "import"): "leak.json",
    }
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - {name: evil, kind: watch_folder, path: /etc}\n")
    for command, name in cases.items():
        path = tmp_path / name
        path.write_bytes(_hostile(secret)[name])
        result = _cli(home, *command, str(path))
        assert result.returncode != 0, result.stdout
        assert "refused" in result.stderr and SECRET not in result.stdout + result.stderr
    result = _cli(home, "sources", "import", str(sources))
    assert result.returncode == 2 and "must lie under" in result.stderr


def _band(path: Path) -> None:
    write_band(path, np.full((8, 8), 100, np.uint16))


def test_scene_folders_refuse_vrt_bands_and_links_out(tmp_path: Path) -> None:
    root, outside = tmp_path / "scenes", tmp_path / "elsewhere"
    scene = root / "LC09_TEST"
    scene.mkdir(parents=True)
    outside.mkdir()
    for band in ("band2", "band3", "band4", "band5", "band6"):
        _band(scene / f"{band}.tif")
    with listener() as server:
        (scene / "band7.tif").write_text(raster_vrt(f"/vsicurl/{server.url}/b7.tif"))
        with pytest.raises(UnsafeFileError, match=r"(?i)vrtdataset"):
            open_scene(scene, roots=[root])
        assert server.requests == []
    (scene / "band7.tif").unlink()
    _band(outside / "band7.tif")
    (scene / "band7.tif").symlink_to(outside / "band7.tif")
    with pytest.raises(UnsafeFileError, match="must lie under"):
        open_scene(scene, roots=[root])
    assert open_scene(scene).bands["b7"]  # the operator's command line may follow the link


def test_gate_primitives(tmp_path: Path) -> None:
    with pytest.raises(UnsafeFileError, match="NUL"):
        confine("a\x00b", [tmp_path])
    with pytest.raises(UnsafeFileError, match="not a plain local path"):
        confine("/vsizip//tmp/x.zip/a.shp", [tmp_path])
    (tmp_path / "x.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    assert read_vector(tmp_path / "x.geojson").features == []
    with pytest.raises(UnsafeFileError):
        read_vector_raw(tmp_path / "x.geojson", roots=[tmp_path / "other"])
