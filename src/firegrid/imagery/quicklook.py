"""A false-colour quicklook (SWIR2 / NIR / red) with fire points circled, as PNG."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from rasterio.enums import Resampling

from firegrid.files.gate import open_raster
from firegrid.imagery.scene import Scene

RGB = {"landsat": ("b7", "b5", "b4"), "sentinel2": ("b12", "b8a", "b04")}


def _band(scene: Scene, name: str, shape: tuple[int, int]) -> NDArray[np.float32]:
    source = scene.bands.get(name) or scene.bands.get(name.replace("b0", "b"))
    if source is None:
        return np.zeros(shape, dtype=np.float32)
    with open_raster(source.path) as ds:
        data = ds.read(source.index, out_shape=shape, resampling=Resampling.average).astype(np.float32)
    data = data * np.float32(source.scale) + np.float32(source.offset)
    data[~np.isfinite(data) | (np.abs(data) > 1e10)] = np.nan
    out: NDArray[np.float32] = data
    return out


def _stretch(band: NDArray[np.float32]) -> NDArray[np.uint8]:
    finite = band[np.isfinite(band)]
    if not finite.size:
        return np.zeros(band.shape, np.uint8)
    lo, hi = np.percentile(finite, (2, 98))
    scaled = np.clip((band - lo) / max(hi - lo, 1e-6), 0, 1)
    out: NDArray[np.uint8] = np.nan_to_num(scaled * 255).astype(np.uint8)
    return out


def write_quicklook(
    scene: Scene, rows: list[float], cols: list[float], out: Path, max_size: int = 1600
) -> Path:
    """Write ``out`` (PNG): SWIR2/NIR/red, fire points as yellow circles."""
    scale = min(1.0, max_size / max(scene.width, scene.height))
    shape = (max(1, round(scene.height * scale)), max(1, round(scene.width * scale)))
    channels = [_stretch(_band(scene, b, shape)) for b in RGB[scene.sensor]]
    image = cv2.merge(channels[::-1])  # OpenCV wants BGR
    zoom = max(1, round(600 / max(shape)))
    if zoom > 1:
        image = cv2.resize(image, (shape[1] * zoom, shape[0] * zoom), interpolation=cv2.INTER_NEAREST)
    for r, c in zip(rows, cols, strict=True):
        centre = (round((c + 0.5) * scale * zoom), round((r + 0.5) * scale * zoom))
        cv2.circle(image, centre, max(6, 3 * zoom), (0, 255, 255), 1, lineType=cv2.LINE_AA)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), image):
        raise OSError(f"cannot write {out}")
    return out
