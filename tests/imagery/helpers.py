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
