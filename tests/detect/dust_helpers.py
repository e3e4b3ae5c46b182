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
