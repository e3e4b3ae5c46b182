"""What the pages need from the API: the catalogue, the basemap settings and local tiles, errors that
say what to do next, and a grid tree that marks where it was cut."""

from __future__ import annotations

import io
import logging
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from pydantic import SecretStr

from firegrid.api.app import create_app
from firegrid.basemap import BasemapSettings
from firegrid.config import Settings
from tests.api.conftest import login


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


def mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute("CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)")
    db.execute("INSERT INTO metadata VALUES ('format', 'png')")
    for (z, x, y), data in tiles.items():
        db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))  # TMS rows
    db.commit()
    db.close()
    return path


def pmtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> Path:
    with path.open("wb") as f:
        writer = Writer(f)
        for (z, x, y), data in sorted(tiles.items(), key=lambda t: zxy_to_tileid(*t[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        writer.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE}, {"name": "test"})
    return path


def client_with(tmp_path: Path, basemap: BasemapSettings) -> TestClient:
    settings = Settings(home=tmp_path / "home", basemap=basemap, _env_file=None)  # type: ignore[call-arg]
    return TestClient(create_app(settings))


def test_the_catalogue_is_served_with_the_zone(client: TestClient) -> None:
    body = client.get("/i18n/messages.json").json()  # no login: the login form needs it
    assert body["zone"] == "Asia/Shanghai" and body["default"] == "zh"
    assert body["messages"]["status.new"] == {"zh": "新任务", "en": "new"}
    assert body["messages"]["next.acknowledged"]["zh"] == "请先到场并拍照取证"


def test_no_basemap_by_default(client: TestClient, admin: dict[str, str]) -> None:
    assert client.get("/basemap.json", headers=admin).json() == {"kind": "none", "layers": []}
    assert client.get("/basemap.json").status_code == 401
    missing = client.get("/tiles/0/0/0")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert missing.json()["message"] == "未找到, 或不在您的网格范围内"
    assert BasemapSettings().origins() == [] and BasemapSettings().warnings() == []


def test_tianditu_layers_origins_for_the_csp_and_the_gcj02_warning() -> None:
    tianditu = BasemapSettings(kind="tianditu", tianditu_key=SecretStr("KEY"), tianditu_layer="img")
    layers = tianditu.client_config()["layers"]
    assert [layer["url"].split("/")[3] for layer in layers] == ["img_w", "cia_w"]  # imagery + names
    assert "tk=KEY" in layers[0]["url"] and layers[0]["subdomains"] == "01234567"
    assert tianditu.origins() == [f"https://t{i}.tianditu.gov.cn" for i in range(8)]
    assert tianditu.warnings() == []
    assert BasemapSettings(kind="tianditu").warnings()[0].startswith("basemap tianditu needs")
    amap = BasemapSettings(
        kind="xyz", url="https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", subdomains="1234"
    )
    assert amap.origins() == [f"https://webrd0{i}.is.autonavi.com" for i in range(1, 5)]
    assert "GCJ-02" in amap.warnings()[0]
    assert amap.model_copy(update={"transformed": True}).warnings() == []
    assert BasemapSettings(kind="xyz", url="https://tiles.example.org/{z}/{x}/{y}.png").warnings() == []


def test_the_gcj02_warning_is_logged_at_startup(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    baidu = BasemapSettings(kind="xyz", url="https://maponline0.bdimg.com/tile/?x={x}&y={y}&z={z}")
    with caplog.at_level(logging.WARNING), client_with(tmp_path, baidu):
        pass
    assert any("GCJ-02" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_local_tiles_are_served(tmp_path: Path, kind: str) -> None:
    tiles = {(0, 0, 0): png((10, 20, 30)), (1, 1, 0): png((200, 0, 0)), (1, 0, 1): png((0, 200, 0))}
    path = (mbtiles if kind == "mbtiles" else pmtiles)(tmp_path / f"base.{kind}", tiles)
    with client_with(tmp_path, BasemapSettings(kind=kind, file=path)) as c:  # type: ignore[arg-type]
        for (z, x, y), data in tiles.items():
            r = c.get(f"/tiles/{z}/{x}/{y}")
            assert r.status_code == 200 and r.content == data and r.headers["content-type"] == "image/png"
        for empty in ("1/0/0", "1/2/0", "31/0/0", f"{10**12}/0/0", f"2/{2**70}/0"):  # not in the file
            r = c.get(f"/tiles/{empty}")
            assert (r.status_code, r.content) == (204, b""), empty
            assert "max-age" in r.headers["cache-control"]  # Leaflet asks once, shows nothing, logs nothing
    local = BasemapSettings(kind=kind, file=path)  # type: ignore[arg-type]
    assert local.client_config()["layers"][0]["url"] == "/tiles/{z}/{x}/{y}"
    assert local.origins() == []  # same origin: nothing to add to the CSP


def test_a_refused_step_says_which_step_is_next(client: TestClient, admin: dict[str, str]) -> None:
    task = next(t for t in client.get("/tasks", headers=admin).json() if t["status"] == "new")
    inspector = login(client, f"insp-{task['cell_code']}")
    verdict = {"verdict": "rejected", "reason_code": "no_fire_found"}
    early = client.post(f"/tasks/{task['id']}/verdict", json=verdict, headers=inspector)
    assert early.status_code == 409 and early.json()["code"] == "illegal_transition"
    assert early.json()["message"] == "请先签收任务" and "acknowledge" in early.json()["detail"]
    client.post(f"/tasks/{task['id']}/acknowledge", json={}, headers=inspector)
    again = client.post(f"/tasks/{task['id']}/verdict", json=verdict, headers=inspector)
    assert again.status_code == 409 and again.json()["message"] == "请先到场并拍照取证"
    english = client.post(
        f"/tasks/{task['id']}/verdict", json=verdict, headers=inspector | {"Accept-Language": "en-US,en"}
    )
    assert english.json()["message"] == "Go on site and take a photo first"
    client.post(f"/tasks/{task['id']}/on-site", json={}, headers=inspector)
    photo = client.post(f"/tasks/{task['id']}/verdict", json=verdict, headers=inspector)
    assert photo.status_code == 400 and photo.json()["code"] == "photo_required"
    assert photo.json()["message"] == "请先拍照取证"
    wrong = client.post("/auth/token", data={"username": "admin", "password": "not-the-password"})
    assert wrong.status_code == 401 and wrong.json()["message"] == "账号或密码错误"
    invalid = client.post(f"/tasks/{task['id']}/verdict", json={"verdict": "maybe"}, headers=inspector)
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_request"


def test_the_tree_marks_where_it_was_cut(client: TestClient, admin: dict[str, str]) -> None:
    city = client.get("/grid/tree", params={"depth": 1}, headers=admin).json()[0]
    county = city["children"][0]
    assert county["children"] is None and county["has_children"] and county["child_count"] > 0
    deep = client.get("/grid/tree", params={"depth": 3}, headers=admin).json()[0]
    village = deep["children"][0]["children"][0]["children"][0]
    assert village["level"] == "village" and village["children"] is None and not village["has_children"]
    full = client.get("/grid/tree", params={"depth": 4}, headers=admin).json()[0]
    assert full["children"][0]["children"][0]["children"][0]["children"] == []  # really none
