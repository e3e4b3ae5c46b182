"""Hostile and broken files: decompression bombs, truncated images and rasters. Each is refused with an
error naming the input, before anything large is allocated."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import rasterio
from fastapi.testclient import TestClient
from PIL import Image
from rasterio.transform import from_origin

from firegrid.drones.images import open_drone_image
from firegrid.errors import InputError
from firegrid.imagery.decode import check_header, read_image
from firegrid.imagery.rasters import open_raster
from tests.api.conftest import login


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header declaring ``width`` x ``height`` grey pixels, with a few KB of zero rows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 8, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def test_a_png_bomb_is_refused_from_its_header() -> None:
    bomb = png_bomb()
    assert len(bomb) < 20_000
    with pytest.raises(InputError, match=r"upload\.png: refused, too many pixels"):
        read_image(bomb, "upload.png")
    with pytest.raises(InputError, match="frame: 9000x9000 px exceeds the 50000000 pixel limit"):
        check_header(png_bomb(9_000, 9_000), "frame", limit=50_000_000)  # under PIL's own limit


def test_truncated_and_garbage_images() -> None:
    good = jpeg()
    assert read_image(good, "ok.jpg").shape == (48, 64, 3)
    with pytest.raises(InputError, match=r"cut\.jpg"):
        read_image(good[:20], "cut.jpg")
    with pytest.raises(InputError, match=r"noise\.jpg: not a readable image"):
        read_image(b"\xff\xd8" + bytes(range(256)) * 4, "noise.jpg")


def test_drone_image_bomb(tmp_path: Path) -> None:
    path = tmp_path / "DJI_0001.png"
    path.write_bytes(png_bomb(30_000, 30_000))
    with pytest.raises(InputError, match=r"DJI_0001\.png"):
        open_drone_image(path)


def test_raster_bomb_and_truncated_geotiff(tmp_path: Path) -> None:
    big = tmp_path / "bomb_B7.TIF"
    profile = {
        "driver": "GTiff",
        "width": 50_000,
        "height": 50_000,
        "count": 1,
        "dtype": "uint16",
        "crs": "EPSG:32649",
        "transform": from_origin(500_000, 4_300_000, 30, 30),
        "tiled": True,
        "compress": "deflate",
        "sparse_ok": True,
    }
    with rasterio.open(big, "w", **profile):
        pass  # no tile written: a few KB on disk
    assert big.stat().st_size < 1_000_000
    with pytest.raises(InputError, match=r"bomb_B7\.TIF: 50000x50000 px exceeds"), open_raster(big):
        pass
    small = tmp_path / "small_B7.TIF"
    with rasterio.open(small, "w", **(profile | {"width": 256, "height": 256, "sparse_ok": False})) as ds:
        ds.write(np.full((1, 256, 256), 7, np.uint16))
    cut = tmp_path / "cut_B7.TIF"
    cut.write_bytes(small.read_bytes()[:300])
    with pytest.raises(InputError, match=r"cut_B7\.TIF"), open_raster(cut) as ds:
        ds.read(1)


def test_evidence_photo_bomb_is_a_clear_400(client: TestClient, admin: dict[str, str]) -> None:
    task = client.get("/tasks", headers=admin).json()[0]
    inspector = login(client, f"insp-{task['cell_code']}")
    files = {"photo": ("bomb.png", png_bomb(), "image/png")}
    r = client.post(f"/tasks/{task['id']}/evidence", files=files, headers=inspector)
    assert r.status_code == 400, r.text
    assert "the photo" in r.json()["detail"] and "pixels" in r.json()["detail"]
