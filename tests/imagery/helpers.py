"""Write small rasters and scene folders for tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin


def write_band(
    path: Path,
    data: np.ndarray,
    crs: str = "EPSG:32649",
    x0: float = 500_000.0,
    y0: float = 4_300_000.0,
    res: float = 30.0,
    driver: str = "GTiff",
    nodata: float | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"QUALITY": "100", "REVERSIBLE": "YES"} if driver == "JP2OpenJPEG" else {}  # lossless
    with rasterio.open(
        path,
        "w",
        driver=driver,
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype,
        crs=crs,
        transform=from_origin(x0, y0, res, res),
        nodata=nodata,
        **options,
    ) as ds:
        ds.write(data, 1)
    return path


def synthetic_landsat(
    shape: tuple[int, int], fires: list[tuple[int, int]], seed: int = 0
) -> dict[str, np.ndarray]:
    """Uncorrected TOA reflectance of cropland with hot 1-3 pixel fires."""
    rng = np.random.default_rng(seed)
    w = shape[1]
    bands = {
        "b1": rng.uniform(0.09, 0.11, shape),
        "b2": rng.uniform(0.08, 0.10, shape),
        "b3": rng.uniform(0.07, 0.09, shape),
        "b4": rng.uniform(0.06, 0.09, shape),
        "b5": rng.uniform(0.22, 0.30, shape),
        "b6": rng.uniform(0.18, 0.24, shape),
        "b7": rng.uniform(0.09, 0.13, shape),
    }
    for k, (r, c) in enumerate(fires):
        strong = k % 2 == 0
        bands["b7"][r, c] = 0.75 if strong else 0.45
        bands["b6"][r, c] = 0.35
        bands["b5"][r, c] = 0.22
        if strong and c + 1 < w:
            bands["b7"][r, c + 1] = 0.42
            bands["b6"][r, c + 1] = 0.24
    return {k: v.astype(np.float32) for k, v in bands.items()}


def fire_field(shape: tuple[int, int], seed: int = 0, fires: int = 40) -> dict[str, np.ndarray]:
    """Uncorrected TOA reflectance b1..b7 of fields with lakes and fires of every size.

    Fires are blobs of 1 to ~300 pixels (the big ones leave too little background in
    small windows, so GOLI's window must grow), some on the scene edge and on lines
    that are window borders for windows of 32 and 64 pixels.
    """
    rng = np.random.default_rng(seed)
    means = {"b1": 0.10, "b2": 0.09, "b3": 0.08, "b4": 0.08, "b5": 0.26, "b6": 0.21, "b7": 0.12}
    bands = {k: rng.uniform(0.8 * m, 1.2 * m, shape).astype(np.float32) for k, m in means.items()}
    water = {"b1": 0.12, "b2": 0.10, "b3": 0.08, "b4": 0.06, "b5": 0.04, "b6": 0.02, "b7": 0.01}
    for _ in range(3):
        r, c = rng.integers(0, shape[0] - 20), rng.integers(0, shape[1] - 20)
        for k, v in water.items():
            bands[k][r : r + 20, c : c + 30] = v * rng.uniform(
                0.9, 1.1, bands[k][r : r + 20, c : c + 30].shape
            )
    yy, xx = np.mgrid[-10:11, -10:11]
    centres = [(64, 64), (0, 5), (shape[0] - 1, shape[1] // 2), (32, shape[1] - 1)]
    centres += [(int(rng.integers(0, shape[0])), int(rng.integers(0, shape[1]))) for _ in range(fires)]
    for k, (r, c) in enumerate(centres):
        radius = (1, 2, 3, 5, 9)[k % 5]
        blob = (yy**2 + xx**2 <= radius**2) & (rng.random(yy.shape) < 0.85)
        rr, cc = np.nonzero(blob)
        rr, cc = rr + r - 10, cc + c - 10
        ok = (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
        rr, cc = rr[ok], cc[ok]
        b7 = rng.uniform(0.2, 1.1, len(rr)).astype(np.float32)
        bands["b7"][rr, cc] = b7
        bands["b5"][rr, cc] = rng.uniform(0.15, 0.3, len(rr))
        bands["b6"][rr, cc] = b7 / rng.uniform(1.1, 2.2, len(rr))
    return bands


DRY_SOIL = {"b2": 0.10, "b3": 0.14, "b4": 0.19, "b8": 0.25, "b11": 0.34, "b12": 0.28}


def sentinel2_folder(folder: Path) -> Path:
    """10 m B2 B3 B4 B8 (320 x 300) and 20 m B8A B11 B12 (160 x 150): fires, and dry soil in the middle."""
    rng = np.random.default_rng(4)
    field = fire_field((160, 150), seed=5, fires=12)
    twenty = {"b8a": field["b5"], "b11": field["b6"], "b12": field["b7"] * np.float32(1.4)}
    ten = {b: rng.uniform(0.04, 0.08, (320, 300)).astype(np.float32) for b in ("b2", "b3", "b4")}
    ten["b8"] = rng.uniform(0.3, 0.4, (320, 300)).astype(np.float32)
    for name, value in DRY_SOIL.items():  # a bare field of 60 x 80 pixels at 10 m
        if name in ten:
            ten[name][100:160, 90:170] = value * rng.normal(1, 0.03, (60, 80))
        else:
            twenty[name][50:80, 45:85] = value * rng.normal(1, 0.03, (30, 40))
    for name, data in twenty.items():
        write_band(folder / f"{name.upper()}.tif", data, res=20.0)
    for name, data in ten.items():
        write_band(folder / f"{name.upper()}.tif", data, res=10.0)
    return folder
