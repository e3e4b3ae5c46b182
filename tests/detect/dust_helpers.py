"""Real Sentinel-2 scenes (eo-learn, in place) written as band folders, with optional implants."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

EOLEARN = "satellite/sentinel2_l1c_eolearn"
BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
# TOA reflectance of dry loam (a USGS-library-like spectrum, resampled to MSI bands)
DRY_SOIL = {"B02": 0.10, "B03": 0.14, "B04": 0.19, "B08": 0.25, "B11": 0.34, "B12": 0.28}
ORIGIN = (465181.0522318204, 5080254.63349641)  # bbox.geojson top-left, EPSG:32633, 10 m


def scenes(shared_data: Path) -> np.ndarray:
    return np.load(shared_data / EOLEARN / "REFERENCE_SCENES.npy")


def write_scene(
    folder: Path,
    data: np.ndarray,
    implant: tuple[slice, slice] | None = None,
    acquired: str = "2024-04-10T10:00:00+00:00",
    spectrum: dict[str, float] | None = None,
) -> Path:
    """One date of the eo-learn array as float32 GeoTIFF bands (+ scene.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(BANDS):
        band = data[..., i].astype(np.float32).copy()
        if implant is not None and name in (spectrum or DRY_SOIL):
            band[implant] = (spectrum or DRY_SOIL)[name]
        with rasterio.open(
            folder / f"{name}.tif",
            "w",
            driver="GTiff",
            width=band.shape[1],
            height=band.shape[0],
            count=1,
            dtype="float32",
            crs="EPSG:32633",
            transform=from_origin(*ORIGIN, 10, 10),
        ) as ds:
            ds.write(band, 1)
    (folder / "scene.json").write_text(
        json.dumps({"scene_id": folder.name, "acquired_at": acquired, "platform": "Sentinel-2A"})
    )
    return folder


# TOA reflectance of the three classes of ``farmland`` (as bench/dust.py): vegetation, dry soil, built-up
FARMLAND = {
    "b2": (0.04, 0.10, 0.12),
    "b3": (0.07, 0.14, 0.13),
    "b4": (0.04, 0.19, 0.14),
    "b8": (0.35, 0.25, 0.25),
    "b11": (0.18, 0.34, 0.25),
    "b12": (0.09, 0.28, 0.20),
}


def farmland(shape: tuple[int, int], seed: int, bare: float = 0.3, field: int = 13) -> dict[str, np.ndarray]:
    """Fields of vegetation, dry soil and built-up (BSI just above 0) with 4 % noise: bare fields
    touch each other, the scene edge, and have speckle holes where the noise pulls BSI down."""
    rng = np.random.default_rng(seed)
    n = (shape[0] // field + 1, shape[1] // field + 1)
    classes = rng.choice(3, size=n, p=[0.85 - bare, bare, 0.15])
    per_pixel = np.repeat(np.repeat(classes, field, axis=0), field, axis=1)[: shape[0], : shape[1]]
    bands = {}
    for name, values in FARMLAND.items():
        band = np.asarray(values, np.float32)[per_pixel]
        band *= rng.normal(1.0, 0.04, shape).astype(np.float32)
        bands[name] = band
    holes = (per_pixel == 1) & (rng.random(shape) < 0.01)  # single vegetated pixels inside bare fields
    for name, values in FARMLAND.items():
        bands[name][holes] = values[0]
    return bands
