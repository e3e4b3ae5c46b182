"""Open rasters with errors that name the file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import rasterio
from rasterio.errors import RasterioError

from firegrid.errors import InputError

# A full Landsat scene is ~60 MP and a Sentinel-2 10 m band 120 MP; anything past this is a mistake or a bomb
# (a sparse, compressed GeoTIFF can declare billions of pixels in a few kilobytes).
MAX_RASTER_PIXELS = 1_500_000_000


@contextmanager
def open_raster(path: Path | str, max_pixels: int = MAX_RASTER_PIXELS) -> Iterator[Any]:
    """``rasterio.open`` whose failures are ``InputError`` naming the file and the problem."""
    try:
        with rasterio.open(path) as dataset:
            if dataset.width * dataset.height > max_pixels:
                raise InputError(
                    f"{path}: {dataset.width}x{dataset.height} px exceeds the {max_pixels} pixel limit"
                )
            yield dataset
    except RasterioError as exc:
        raise InputError(f"{path}: cannot read raster ({exc})") from exc
